import { z } from 'zod';
import { fields, parseOrPoison } from '../shared/event-fields';

const { instant, code } = fields;

const Schema = z.object({
  ticketId: fields.ticketId,
  reprintGeneration: fields.generation,
  controlledAt: instant,
  controlSource: z.enum(['ACCESS_CONTROL', 'BACK_OFFICE']),
  organizationCode: code,
  shipmentMode: code,
  taxNumber: code,
  /** The core's print state: the point of sales it printed this generation through, and when (optional). */
  printedPosCode: code.nullable().default(null),
  printedAt: instant.nullable().default(null),
});

/** A decoded `ticket-controlled` record (no personal data). */
export type TicketControlled = z.infer<typeof Schema>;

export function parseControlled(decoded: unknown): TicketControlled {
  return parseOrPoison(Schema, decoded);
}
