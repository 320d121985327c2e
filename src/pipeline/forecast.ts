import type { SourceMessage } from '../contracts/source';
import { PoisonMessageError } from '../shared/errors';
import type { Decoder } from './engine';
import type { RoleSpec } from './role-spec';

/** A role's decision from what the store knows of a ticket, without I/O: push it, or skip it and why. */
export type LedgerDecision = { readonly push: true } | { readonly push: false; readonly reason: string };

/**
 * A role's read-only decision for forecasts: what it would do with one event, from the state its own
 * read (`enrich`) returned, as configured (`forced` false) and were the ticket in its force list.
 */
export type ForecastDecision<E, S> = (event: E, state: S, forced: boolean) => LedgerDecision;

/** What a role would do with one record. */
export type RecordForecast =
  /** It cannot be decoded or is invalid: the role dead-letters it. */
  | { readonly kind: 'invalid'; readonly code: string }
  /** Configuration excludes it (filters, skip list, …). */
  | { readonly kind: 'filtered'; readonly ticketId: string; readonly reason: string }
  | { readonly kind: 'decided'; readonly ticketId: string; readonly normal: LedgerDecision; readonly forced: LedgerDecision };

/**
 * Reads only: what the role would do with these records, through its own steps: decode, `parse`,
 * `select`, its read (`enrich`, read-only by contract) and its forecast decision. The role's write
 * before it reads (`seen`) is not called, nor is anything sent or recorded.
 *
 * The records settled before the read (invalid, filtered) come first, in record order, then the
 * decided ones, in record order.
 */
export async function forecastRecords<E, S>(
  spec: Pick<RoleSpec<E, S, unknown>, 'schema' | 'parse' | 'select' | 'ticketId' | 'enrich'>,
  decide: ForecastDecision<E, S>,
  decoder: Decoder,
  records: readonly SourceMessage[],
): Promise<RecordForecast[]> {
  const out: RecordForecast[] = [];
  const selected: E[] = [];
  for (const r of records) {
    try {
      const event = spec.parse(await decoder.decode(r.value, spec.schema));
      const reason = spec.select(event);
      if (reason) out.push({ kind: 'filtered', ticketId: spec.ticketId(event), reason });
      else selected.push(event);
    } catch (e) {
      if (e instanceof PoisonMessageError) out.push({ kind: 'invalid', code: e.code });
      else throw e;
    }
  }
  if (selected.length > 0) {
    const state = await spec.enrich(selected);
    for (const e of selected) out.push({ kind: 'decided', ticketId: spec.ticketId(e), normal: decide(e, state, false), forced: decide(e, state, true) });
  }
  return out;
}
