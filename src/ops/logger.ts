import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino removes from every log line. Holder data (names, birth dates, ID numbers, e-mails) and
 * secrets are never logged on purpose; this list is the net under that rule, not the rule itself.
 */
export const REDACTED_PATHS = [
  'apiKey',
  'password',
  'uri',
  '*.apiKey',
  '*.password',
  '*.uri',
  '*.headers',
  '*.authorization',
  '*.firstName',
  '*.lastName',
  '*.email',
  '*.birthDate',
  '*.idNumber',
  '*.holder',
  '*.beneficiary',
  '*.buyer',
  '*.culturalContact',
  '*.spectatorDetails',
  '*.walletOwner',
  '*.ticketHolder',
  '*.previousOwner',
  'err.config',
  'err.response',
  'err.request',
];

/** One JSON object per line (what log collectors read), or pino-pretty's coloured lines for a person. */
export type LogFormat = 'json' | 'pretty';

/**
 * Pretty only for a person at a terminal in a development checkout: stdout is a terminal, NODE_ENV is
 * not `production` (the image sets it) and pino-pretty, a dev dependency the image does not install,
 * is there. Anything else, production above all, gets JSON.
 */
export function chooseLogFormat(env: { isTTY: boolean; nodeEnv: string | undefined; prettyInstalled: boolean }): LogFormat {
  return env.isTTY && env.nodeEnv !== 'production' && env.prettyInstalled ? 'pretty' : 'json';
}

function prettyInstalled(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * The process's logger. Without a `destination` it writes to stdout, pretty or JSON as
 * `chooseLogFormat` says; the fields and redaction are the same either way.
 */
export function createLogger(opts: { level: string; name?: string; destination?: pino.DestinationStream }): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level,
    base: { service: opts.name ?? 'tixngo-bridge' },
    redact: { paths: REDACTED_PATHS, remove: true },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  const format =
    opts.destination === undefined
      ? chooseLogFormat({ isTTY: process.stdout.isTTY === true, nodeEnv: process.env.NODE_ENV, prettyInstalled: prettyInstalled() })
      : 'json';
  if (format === 'json') return pino(options, opts.destination);
  // pino's transport: pino-pretty formats in a worker thread, so the bridge's own thread pays nothing for it.
  return pino(
    options,
    pino.transport({
      target: 'pino-pretty',
      // One line a record, the role before the message: `12:00:01.234 INFO: inject: batch handled {"received":2,...}`.
      options: {
        colorize: true,
        singleLine: true,
        translateTime: 'SYS:HH:MM:ss.l',
        messageFormat: '{if role}{role}: {end}{msg}',
        ignore: 'pid,hostname,service,role',
      },
    }),
  );
}
