/**
 * The bridge's error taxonomy. Every failure that crosses an adapter boundary is converted once, at
 * that boundary, into one of these kinds; the pipeline branches on `kind`, never on message text.
 *
 * Messages carry ids and counts only: never holder data (names, birth dates, ID numbers), never secrets.
 */
export type ErrorKind = 'transient' | 'rejected' | 'poison' | 'config' | 'fatal' | 'aborted';

export abstract class BridgeError extends Error {
  abstract readonly kind: ErrorKind;

  constructor(
    /** Stable machine code, `AREA_REASON` (e.g. `TIXNGO_HTTP_503`); reused in DLQ headers and metrics. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A dependency is briefly unavailable: retry with backoff, never drop, readiness false meanwhile. */
export class TransientError extends BridgeError {
  readonly kind = 'transient';

  constructor(
    code: string,
    message: string,
    /** Server-requested delay (Retry-After), already parsed and capped by the adapter. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** TIXnGO refused these tickets: dead-letter them with the reason, let the rest of the batch go on. */
export class RejectedError extends BridgeError {
  readonly kind = 'rejected';

  constructor(
    code: string,
    message: string,
    readonly ticketIds: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** The input can never be processed (bad bytes, unknown schema, missing business field): dead-letter at once. */
export class PoisonMessageError extends BridgeError {
  readonly kind = 'poison';
}

export interface ConfigIssue {
  readonly key: string;
  readonly problem: string;
}

/** Invalid configuration: refuse to start, naming every bad setting (never echoing a secret's value). */
export class ConfigError extends BridgeError {
  readonly kind = 'config';

  constructor(readonly issues: readonly ConfigIssue[]) {
    super('CONFIG_INVALID', `invalid configuration:\n${issues.map((i) => `  - ${i.key}: ${i.problem}`).join('\n')}`);
  }
}

/**
 * The role cannot go on, and retrying will not help (the dead-letter limit, an output schema missing
 * from the registry, Kafka refusing for good): stop the role; the process exits and is restarted. For
 * the support CLI: the command stops with its message.
 */
export class FatalError extends BridgeError {
  readonly kind = 'fatal';
}

/**
 * Work stopped on purpose (a shutdown, a drain deadline, a lease lost): not a failure. What it was
 * doing is left for later or for another replica, and nothing about it is reported as an error.
 */
export class AbortedError extends BridgeError {
  readonly kind = 'aborted';
}

export function isTransient(e: unknown): e is TransientError {
  return e instanceof BridgeError && e.kind === 'transient';
}

/**
 * A representation of any error that is safe to log or mail: name, code and message only, plus the
 * same for its causes. Raw client errors (an AxiosError carries request headers with the API key and
 * response bodies that may echo holder data) never reach a log line.
 */
export interface SafeError {
  readonly name: string;
  readonly code?: string;
  readonly kind?: ErrorKind;
  readonly message: string;
  readonly cause?: SafeError;
}

/** The stable code of a bridge error, else the error's name (a bug keeps its class name, e.g. `TypeError`). */
export function errorCode(e: Error): string {
  return e instanceof BridgeError ? e.code : e.name;
}

export function toSafeError(e: unknown, depth = 0): SafeError {
  if (e instanceof BridgeError) {
    return {
      name: e.name,
      code: e.code,
      kind: e.kind,
      message: e.message,
      ...(e.cause !== undefined && depth < 3 ? { cause: toSafeError(e.cause, depth + 1) } : {}),
    };
  }
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return {
      name: e.name,
      ...(typeof code === 'string' ? { code } : {}),
      // Third-party messages may quote payloads; keep them short and single-line.
      message: e.message.split('\n')[0]!.slice(0, 300),
    };
  }
  return { name: 'NonError', message: typeof e === 'string' ? e.slice(0, 300) : typeof e };
}
