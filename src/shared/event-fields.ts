import { z } from 'zod';
import { isCalendarDate } from './dates';
import { PoisonMessageError } from './errors';

/** TIXnGO's ticket id rule: 1–256 characters of `a-z A-Z 0-9`, space and `*.-_+/()`. */
export const TICKET_ID = /^[A-Za-z0-9 *.\-_+/()]{1,256}$/;

/** Field rules the input contracts share (business rules Avro types cannot express). */
export const fields = {
  ticketId: z.string().regex(TICKET_ID, 'must be 1–256 characters of a-z A-Z 0-9 space *.-_+/()'),
  generation: z.number().int().min(0).max(10_000),
  instant: z.date().refine((d) => d.getUTCFullYear() >= 2000 && d.getUTCFullYear() <= 2100, 'outside 2000–2100'),
  /** `YYYY-MM-DD` naming a real day of 1900–2099 (a birth date: 1990-02-30 is refused, not read as 2 March). */
  birthDate: z
    .string()
    .refine(isCalendarDate, 'must be a real day as YYYY-MM-DD')
    .refine((s) => s >= '1900' && s < '2100', 'must be a date between 1900 and 2099'),
  code: z.string().min(1).max(256),
};

/**
 * Validates a decoded record against `schema`, or throws a poison error naming the first bad field
 * and the rule, never the value (it may be personal data).
 */
export function parseOrPoison<T>(schema: z.ZodType<T>, decoded: unknown): T {
  const r = schema.safeParse(decoded);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new PoisonMessageError(
    'EVENT_INVALID_FIELD',
    `${r.error.issues.length} invalid field(s), first: ${issue.path.join('.') || '(record)'}: ${issue.message}`,
  );
}
