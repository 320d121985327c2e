import { z } from 'zod';
import { isCalendarDate } from '../shared/dates';
import { fields, parseOrPoison, TICKET_ID } from '../shared/event-fields';
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

export const EligibleSchema = z.object({
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

/**
 * The validated record: the decoded record itself when it passes every rule (`isEligible`), without
 * the copy zod makes of it; otherwise zod decides (a record zod accepts all the same is returned as
 * zod returns it) and names the first bad field.
 */
export function parseEligible(decoded: unknown): TicketPrintedEligible {
  if (isEligible(decoded)) return decoded;
  return parseOrPoison(EligibleSchema, decoded);
}

// ----- the same rules as `EligibleSchema`, checked in place -------------------------------------
//
// The inject hot path validates every record: zod's parse of this schema copies every object of the
// record and was ~8 % of the role's CPU, plus the garbage. `isEligible` checks the same rules without
// building anything. It may refuse more than the schema (the record then goes to zod, which decides),
// never less; and it accepts only records whose objects hold exactly the schema's fields (an Avro
// record always does), so the record it returns is what zod's copy would hold. The differential test
// in ticket-event.test.ts runs both on the same records.

const PRICE = /^\d{1,10}(\.\d{1,2})?$/;
const CURRENCY = /^[A-Z]{3}$/;
const COUNTRY_CODE = /^[A-Z]{2}$/;

type Obj = Record<string, unknown>;

/** How many fields each object of the schema has. */
const FIELDS = {
  record: Object.keys(EligibleSchema.shape).length,
  event: Object.keys(EligibleSchema.shape.event.shape).length,
  seat: Object.keys(EligibleSchema.shape.seat.unwrap().shape).length,
  contact: Object.keys(contact.shape).length,
  beneficiary: Object.keys(EligibleSchema.shape.beneficiary.unwrap().shape).length,
  comfortVariables: Object.keys(EligibleSchema.shape.comfortVariables.unwrap().shape).length,
};

/** An object (not an array) with exactly `n` own enumerable keys: the schema's, checked one by one after. */
const isShape = (v: unknown, n: number): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === n;
const str = (v: unknown, min: number, max: number): boolean => typeof v === 'string' && v.length >= min && v.length <= max;
const nullableStr = (v: unknown, max: number): boolean => v === null || (typeof v === 'string' && v.length <= max);
const isCode = (v: unknown): boolean => str(v, 1, 256);
const nullableCode = (v: unknown): boolean => v === null || isCode(v);
const int = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
/** `fields.instant`: a valid Date of 2000–2100 (an invalid one has a NaN year). */
const isInstant = (v: unknown): boolean => {
  if (!(v instanceof Date)) return false;
  const y = v.getUTCFullYear();
  return y >= 2000 && y <= 2100;
};
const isNullableInstant = (v: unknown): boolean => v === null || isInstant(v);
const isTicketId = (v: unknown): boolean => typeof v === 'string' && TICKET_ID.test(v);

function isEventData(e: unknown): boolean {
  if (!isShape(e, FIELDS.event)) return false;
  const lines = e.addressLines;
  if (!Array.isArray(lines) || lines.length > 3) return false;
  for (const line of lines) if (!(typeof line === 'string' && line.length <= 200)) return false;
  return (
    isTicketId(e.id) &&
    str(e.name, 1, 512) &&
    nullableStr(e.groupName, 512) &&
    isNullableInstant(e.startTime) &&
    (e.durationMinutes === null || int(e.durationMinutes, 0, 525_600)) &&
    typeof e.timeZone === 'string' &&
    isTimeZone(e.timeZone) &&
    str(e.site, 1, 200) &&
    str(e.city, 1, 200) &&
    str(e.zip, 1, 32) &&
    typeof e.countryCode === 'string' &&
    COUNTRY_CODE.test(e.countryCode) &&
    nullableStr(e.website, 256)
  );
}

function isSeat(s: unknown): boolean {
  return (
    s === null ||
    (isShape(s, FIELDS.seat) &&
      nullableStr(s.entrance, 64) &&
      nullableStr(s.gate, 64) &&
      nullableStr(s.level, 64) &&
      nullableStr(s.area, 64) &&
      nullableStr(s.block, 64) &&
      nullableStr(s.row, 64) &&
      nullableStr(s.number, 64))
  );
}

function isContact(c: unknown): boolean {
  return (
    isShape(c, FIELDS.contact) &&
    str(c.contactId, 1, 256) &&
    nullableStr(c.title, 32) &&
    nullableStr(c.firstName, 50) &&
    nullableStr(c.lastName, 100) &&
    nullableStr(c.email, 256) &&
    nullableStr(c.phone, 64) &&
    nullableStr(c.languageCode, 16)
  );
}

/** `fields.birthDate`: a real day as YYYY-MM-DD, of 1900–2099. */
const isBirthDate = (v: unknown): boolean => typeof v === 'string' && isCalendarDate(v) && v >= '1900' && v < '2100';

function isBeneficiary(b: unknown): boolean {
  return (
    b === null ||
    (isShape(b, FIELDS.beneficiary) &&
      nullableStr(b.firstName, 50) &&
      nullableStr(b.lastName, 100) &&
      nullableStr(b.email, 256) &&
      (b.birthDate === null || isBirthDate(b.birthDate)) &&
      nullableStr(b.idNumber, 64) &&
      nullableStr(b.countryCode, 3) &&
      nullableStr(b.birthRegion, 128) &&
      nullableStr(b.birthPlace, 128))
  );
}

function isComfortVariables(c: unknown): boolean {
  return (
    c === null ||
    (isShape(c, FIELDS.comfortVariables) && nullableStr(c.tixAct, 64) && nullableStr(c.tixStart, 64) && nullableStr(c.tixExp, 64) && nullableStr(c.tixRGrp, 50))
  );
}

/**
 * `z.record(z.string(), z.string().max(4096))`: a plain object (an Avro map is one) whose own keys are
 * all enumerable strings (zod would drop the others from its copy) with string values.
 */
function isTemplateVariables(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype) return false;
  for (const key of Reflect.ownKeys(v)) {
    if (typeof key !== 'string' || key === '__proto__' || !Object.prototype.propertyIsEnumerable.call(v, key)) return false;
    const value = (v as Obj)[key];
    if (!(typeof value === 'string' && value.length <= 4096)) return false;
  }
  return true;
}

/** Every rule of `EligibleSchema`, checked on the record as it is (see above). */
export function isEligible(t: unknown): t is TicketPrintedEligible {
  return (
    isShape(t, FIELDS.record) &&
    isTicketId(t.ticketId) &&
    int(t.reprintGeneration, 0, 10_000) &&
    isInstant(t.occurredAt) &&
    isCode(t.organizationCode) &&
    isCode(t.salesChannelOfOrigin) &&
    nullableCode(t.seasonCode) &&
    isNullableInstant(t.seasonStart) &&
    isNullableInstant(t.seasonEnd) &&
    nullableCode(t.productFamilyCode) &&
    isCode(t.productCode) &&
    nullableCode(t.performanceCode) &&
    isCode(t.tariffCode) &&
    nullableStr(t.seatCategoryCode, 512) &&
    isCode(t.shipmentMode) &&
    isCode(t.fileNumber) &&
    isCode(t.taxNumber) &&
    str(t.barcode, 1, 512) &&
    typeof t.price === 'string' &&
    PRICE.test(t.price) &&
    typeof t.currency === 'string' &&
    CURRENCY.test(t.currency) &&
    isInstant(t.purchasedAt) &&
    isNullableInstant(t.validFrom) &&
    isNullableInstant(t.validUntil) &&
    isEventData(t.event) &&
    isSeat(t.seat) &&
    isContact(t.buyer) &&
    (t.culturalContact === null || isContact(t.culturalContact)) &&
    isBeneficiary(t.beneficiary) &&
    nullableCode(t.invalidationReason) &&
    isComfortVariables(t.comfortVariables) &&
    isTemplateVariables(t.templateVariables)
  );
}
