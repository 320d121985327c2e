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
});

/** A decoded `ticket-controlled` record (no personal data). */
export type TicketControlled = z.infer<typeof Schema>;

export function parseControlled(decoded: unknown): TicketControlled {
  return parseOrPoison(Schema, decoded);
}
