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
});

/** A decoded `ticket-cancelled` record (cancellation or invalidation; no personal data). */
export type TicketCancelled = z.infer<typeof Schema>;

export function parseCancelled(decoded: unknown): TicketCancelled {
  return parseOrPoison(Schema, decoded);
}
