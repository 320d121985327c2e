import { z } from 'zod';
import { fields, parseOrPoison } from '../shared/event-fields';

const { instant, code } = fields;

const Schema = z.object({
  ticketId: fields.ticketId,
  reprintGeneration: fields.generation,
  status: z.enum(['CANCELLED', 'INVALIDATED']),
  reason: code,
  occurredAt: instant,
  organizationCode: code,
  shipmentMode: code,
  taxNumber: code,
  fileNumber: code.nullable(),
  /** The core's print state: the point of sales it printed this generation through, and when (optional). */
  printedPosCode: code.nullable().default(null),
  printedAt: instant.nullable().default(null),
});

/** A decoded `ticket-cancelled` record (cancellation or invalidation; no personal data). */
export type TicketCancelled = z.infer<typeof Schema>;

export function parseCancelled(decoded: unknown): TicketCancelled {
  return parseOrPoison(Schema, decoded);
}
