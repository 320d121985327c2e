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

export function createLogger(opts: {
  level: string;
  name?: string;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: opts.name ?? 'tixngo-bridge' },
      redact: { paths: REDACTED_PATHS, remove: true },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination,
  );
}
