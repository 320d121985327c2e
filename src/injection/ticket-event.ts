import { z } from 'zod';
import { fields, parseOrPoison } from '../shared/event-fields';
import { isTimeZone } from './event-time';

/**
 * Business validation of a decoded `ticket-printed-eligible` record. Avro already guarantees the
 * types; this rejects what Avro cannot: malformed ids, absurd prices and dates, unknown time zones.
 * Error messages name the field and the rule, never the value (it may be personal data).
 */
const { instant, code } = fields;
const nullableInstant = instant.nullable();
const timeZone = z.string().refine(isTimeZone, 'not an IANA time zone');

const contact = z.object({
  contactId: z.string().min(1).max(256),
  title: z.string().max(32).nullable(),
  firstName: z.string().max(50).nullable(),
  lastName: z.string().max(100).nullable(),
  email: z.string().max(256).nullable(),
  phone: z.string().max(64).nullable(),
  languageCode: z.string().max(16).nullable(),
});

const EligibleSchema = z.object({
  ticketId: fields.ticketId,
  reprintGeneration: fields.generation,
  occurredAt: instant,
  organizationCode: code,
  salesChannelOfOrigin: code,
  seasonCode: code.nullable(),
  seasonStart: nullableInstant,
  seasonEnd: nullableInstant,
  productFamilyCode: code.nullable(),
  productCode: code,
  performanceCode: code.nullable(),
  tariffCode: code,
  seatCategoryCode: z.string().max(512).nullable(),
  shipmentMode: code,
  fileNumber: code,
  taxNumber: code,
  barcode: z.string().min(1).max(512),
  price: z.string().regex(/^\d{1,10}(\.\d{1,2})?$/, 'must be a non-negative amount below 10^10'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
  purchasedAt: instant,
  validFrom: nullableInstant,
  validUntil: nullableInstant,
  event: z.object({
    id: fields.ticketId,
    name: z.string().min(1).max(512),
    groupName: z.string().max(512).nullable(),
    startTime: nullableInstant,
    durationMinutes: z.number().int().min(0).max(525_600).nullable(),
    timeZone,
    site: z.string().min(1).max(200),
    city: z.string().min(1).max(200),
    zip: z.string().min(1).max(32),
    countryCode: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code'),
    addressLines: z.array(z.string().max(200)).max(3),
    website: z.string().max(256).nullable(),
  }),
  seat: z
    .object({
      entrance: z.string().max(64).nullable(),
      gate: z.string().max(64).nullable(),
      level: z.string().max(64).nullable(),
      area: z.string().max(64).nullable(),
      block: z.string().max(64).nullable(),
      row: z.string().max(64).nullable(),
      number: z.string().max(64).nullable(),
    })
    .nullable(),
  buyer: contact,
  culturalContact: contact.nullable(),
  beneficiary: z
    .object({
      firstName: z.string().max(50).nullable(),
      lastName: z.string().max(100).nullable(),
      email: z.string().max(256).nullable(),
      birthDate: fields.birthDate.nullable(),
      idNumber: z.string().max(64).nullable(),
      countryCode: z.string().max(3).nullable(),
      birthRegion: z.string().max(128).nullable(),
      birthPlace: z.string().max(128).nullable(),
    })
    .nullable(),
  invalidationReason: code.nullable(),
  comfortVariables: z
    .object({
      tixAct: z.string().max(64).nullable(),
      tixStart: z.string().max(64).nullable(),
      tixExp: z.string().max(64).nullable(),
      tixRGrp: z.string().max(50).nullable(),
    })
    .nullable(),
  templateVariables: z.record(z.string(), z.string().max(4096)),
});

export type TicketPrintedEligible = z.infer<typeof EligibleSchema>;
export type Contact = z.infer<typeof contact>;
export type Beneficiary = NonNullable<TicketPrintedEligible['beneficiary']>;

export function parseEligible(decoded: unknown): TicketPrintedEligible {
  return parseOrPoison(EligibleSchema, decoded);
}
