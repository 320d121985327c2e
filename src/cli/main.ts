#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import pino from 'pino';
import { createLogger } from '../ops/logger';
import { isOrganizationCode } from '../config/organizations';
import { ROLES, type Role } from '../roles';
import { ConfigError, toSafeError } from '../shared/errors';
import { loadCliConfig, type CliConfigRequest } from './cli-config';
import { dlqList, dlqReplay, dlqShow } from './commands/dlq';
import { doctor } from './commands/doctor';
import { ledgerImport } from './commands/ledger-import';
import { offsetsReset } from './commands/offsets';
import { replay } from './commands/replay';
import { status } from './commands/status';
import { trace } from './commands/trace';
import { CliFailure, CliRuntime, processOutput } from './runtime';

/**
 * The support CLI: `tixngo-bridge <command>` (`node dist/cli/main.js`, `npm run cli --`). It reads the
 * same environment as the bridge; each command validates only the settings it uses (cli-config.ts).
 * Results go to stdout, notes, progress and errors to stderr. Exit codes: 0 done, 1 refused or failed
 * (the reason is printed), 2 bad usage or configuration, 130 interrupted.
 */

const out = processOutput();
/**
 * A support command prints its own results and failures; log lines (its own and kafkajs') only get in
 * the way. They are shown at LOG_LEVEL=debug or trace (a pod's usual `info` keeps the output clean).
 */
const verbose = /^(debug|trace)$/.test(process.env.LOG_LEVEL ?? '');
const logger = () =>
  createLogger({
    level: verbose ? process.env.LOG_LEVEL! : 'warn',
    name: 'tixngo-bridge-cli',
    destination: pino.destination({ fd: 2, sync: true }),
  });

async function withRuntime(req: CliConfigRequest, fn: (rt: CliRuntime) => Promise<void>): Promise<void> {
  const config = loadCliConfig(process.env, req);
  const rt = new CliRuntime(config, logger(), out, { kafkaLogs: verbose });
  try {
    await fn(rt);
  } finally {
    await rt.close();
  }
}

const roleOption = (required: boolean, what = 'the role') => {
  const o = new Option('--role <role>', what).choices(ROLES);
  return required ? o.makeOptionMandatory() : o;
};

const positiveInt = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new CliFailure(`${name}: a whole number of at least 1`, 2);
  return Number(v);
};
const partitionNumber = (v: string) => {
  if (!/^\d+$/.test(v)) throw new CliFailure('--partition: a partition number (0, 1, …)', 2);
  return Number(v);
};
const organizationCode = (v: string) => {
  if (!isOrganizationCode(v)) throw new CliFailure('--organization: an S-360 organization code (letters, digits, _ . -)', 2);
  return v;
};
const organizationOption = (what: string) => new Option('--organization <code>', what).argParser(organizationCode);
const collect = (v: string, prev: string[] = []) => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

function buildProgram(): Command {
  const program = new Command('tixngo-bridge')
    .description('Support commands of tixngo-bridge. They read the same settings (environment) as the bridge.')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  program.addHelpText(
    'after',
    `
Run it where the bridge's settings are: in a bridge pod (kubectl exec -it deploy/<release>-tixngo-bridge-<role> --
node dist/cli/main.js status), or locally with the same environment (npm run cli -- status).
Date-times need an explicit zone: 2025-03-01T08:00:00Z or 2025-03-01T09:00:00+01:00.`,
  );

  const offsets = program.command('offsets').description("Move a role's consumer group (reprocess from a date)").exitOverride();
  offsets
    .command('reset')
    .description(
      "Reset a role's consumer group to the first record at or after a date-time, so the role reads from there when it starts. " +
        'The role must be stopped (Kafka refuses to move an active group). Tickets already delivered are skipped by the ledger.',
    )
    .addOption(roleOption(true))
    .requiredOption('--to-datetime <iso>', 'ISO-8601 date-time WITH a zone, e.g. 2025-03-01T08:00:00Z')
    .option('--dry-run', 'show, per partition, the current and target offsets and the records re-read; change nothing', false)
    .option('--allow-skip', 'allow moving FORWARD past records the role never read (they would never be delivered)', false)
    .addHelpText(
      'after',
      `
Steps: 1. stop the role (kubectl scale deploy/<release>-tixngo-bridge-<role> --replicas=0, or stop the process);
2. offsets reset --role <role> --to-datetime <iso> --dry-run; 3. the same without --dry-run; 4. start the role again.
To catch up without stopping the role, use replay instead.`,
    )
    .action((o: { role: Role; toDatetime: string; dryRun: boolean; allowSkip: boolean }) =>
      withRuntime({ role: o.role, needs: ['kafka'] }, (rt) => offsetsReset(rt, o)),
    );

  program
    .command('replay')
    .description(
      'One-shot catch-up of a role from a date, through a TEMPORARY consumer group, up to the end offsets taken at start (or --to); ' +
        "then it exits and deletes that group. The role's own group is not touched and the role may keep running. " +
        'Safe by default: tickets the ledger shows as delivered are not sent again.',
    )
    .addOption(roleOption(true))
    .requiredOption('--from <iso>', 'first record time, ISO-8601 with a zone')
    .option('--to <iso>', 'stop before records at or after this time (default: the end of each partition at start)')
    .option('--dry-run', 'read and forecast only: how many tickets would be sent and how many are already delivered', false)
    .option('--force', 'send again the tickets the ledger shows as delivered (says how many first); each may notify a phone', false)
    .addHelpText(
      'after',
      `
Like S-360's "Date from", a forced replay can notify thousands of phones: run --dry-run first.`,
    )
    .action((o: { role: Role; from: string; to?: string; dryRun: boolean; force: boolean }) =>
      withRuntime({ role: o.role, needs: o.dryRun ? ['kafka', 'registry', 'mongo', 'role'] : ['kafka', 'registry', 'mongo', 'tixngo', 'role'] }, (rt) =>
        replay(rt, o),
      ),
    );

  program
    .command('trace')
    .argument('<ticketId>', 'the S-360 ticket id')
    .description(
      "A ticket's story from what the bridge stored: records seen (organization, topic, partition, offset, time), decisions and skip reasons, " +
        "pushes with TIXnGO's answers and request ids, dead letters, holder states and the printed write-back. No personal data.",
    )
    .addOption(organizationOption("only this S-360 organization's records and ledger facts (the store keeps each organization's tickets apart)"))
    .action((ticketId: string, o: { organization?: string }) =>
      withRuntime({ needs: ['mongo'] }, (rt) => trace(rt, ticketId, o.organization === undefined ? {} : { organization: o.organization })),
    );

  const dlq = program.command('dlq').description('Inspect and re-drive dead-lettered records (<input topic>.dlq)').exitOverride();
  dlq
    .command('list')
    .description('List dead-letter records by role, error code and time (read from the topics, oldest first)')
    .addOption(roleOption(false, 'only this role'))
    .option('--code <codes>', 'only these error codes (comma-separated or repeated)', collect)
    .option('--since <iso>', 'only records dead-lettered since this date-time (ISO-8601 with a zone)')
    .option('--ticket <ticketId>', 'only this ticket')
    .option('--limit <n>', 'show at most the last n records (counts cover all)', positiveInt('--limit'), 50)
    .action((o: { role?: Role; code?: string[]; since?: string; ticket?: string; limit: number }) =>
      withRuntime({ ...(o.role ? { role: o.role } : {}), needs: ['kafka'] }, (rt) =>
        dlqList(rt, {
          ...(o.role ? { role: o.role } : {}),
          ...(o.code ? { codes: o.code } : {}),
          ...(o.since ? { since: o.since } : {}),
          ...(o.ticket ? { ticketId: o.ticket } : {}),
          limit: o.limit,
        }),
      ),
    );
  dlq
    .command('show')
    .description('Show one dead-letter record: its headers, key, and the size and schema id of its value (never the value itself)')
    .addOption(roleOption(true))
    .requiredOption('--partition <p>', 'partition of the dead-letter topic', partitionNumber)
    .requiredOption('--offset <o>', 'offset in that partition')
    .option('--topic <inputTopic>', "the role's input topic, when it has several")
    .action((o: { role: Role; partition: number; offset: string; topic?: string }) => withRuntime({ role: o.role, needs: ['kafka'] }, (rt) => dlqShow(rt, o)));
  dlq
    .command('replay')
    .description(
      "Re-drive dead letters after a fix: the selected records' original key, value and headers go back to the role's input topic " +
        'and through its normal pipeline and ledger (delivered tickets are skipped; still-bad records are dead-lettered again)',
    )
    .addOption(roleOption(true))
    .requiredOption('--code <codes>', 'the error code(s) to re-drive (comma-separated or repeated)', collect)
    .option('--since <iso>', 'only records dead-lettered since this date-time')
    .option('--ticket <ticketId>', 'only this ticket')
    .option('--dry-run', 'count what would be re-driven; produce nothing', false)
    .action((o: { role: Role; code: string[]; since?: string; ticket?: string; dryRun: boolean }) =>
      withRuntime({ role: o.role, needs: ['kafka'] }, (rt) =>
        dlqReplay(rt, {
          role: o.role,
          codes: o.code,
          dryRun: o.dryRun,
          ...(o.since ? { since: o.since } : {}),
          ...(o.ticket ? { ticketId: o.ticket } : {}),
        }),
      ),
    );

  const ledger = program.command('ledger').description('The ticket ledger: what the bridge knows TIXnGO holds').exitOverride();
  ledger
    .command('import')
    .argument('<file>', 'CSV with a header row, or NDJSON; UTF-8; - reads standard input (kubectl exec -i … < file)')
    .description(
      'Seed the ledger with tickets injected into TIXnGO before go-live (by the S-360 batch jobs, a CSV upload or the back office), ' +
        'so that the cancel and control roles delete and control them. A dry run (counts only) unless --apply; running it again writes nothing twice.',
    )
    .addOption(organizationOption('the S-360 organization of lines without organizationCode (required with BRIDGE_ORGANIZATIONS=*)'))
    .option('--apply', 'write the new facts (default: a dry run that only counts)', false)
    .addOption(new Option('--dry-run', 'only count, write nothing: the default, named as the other commands name it').conflicts('apply'))
    .option('--show-invalid <n>', 'list at most n invalid lines (all are counted)', positiveInt('--show-invalid'), 20)
    .addHelpText(
      'after',
      `
Columns (CSV header, case-insensitive; comma, semicolon or tab) or fields (NDJSON, one object per line):
  ticketId          required, as TIXnGO knows it (1-256 of a-z A-Z 0-9 space *.-_+/())
  generation        the reprint generation TIXnGO holds, 0-10000 (empty: 0)
  injectedAt        ISO-8601 with a zone, e.g. 2026-11-30T18:00:00+01:00 (empty: the import's start)
  organizationCode  the S-360 organization (empty: --organization, or the release's only one)
Example:  ledger import injected.csv          (dry run)   then   ledger import injected.csv --apply`,
    )
    .action((file: string, o: { organization?: string; apply: boolean; showInvalid: number }) =>
      withRuntime({ needs: ['mongo', 'organizations'] }, (rt) =>
        ledgerImport(rt, { file, apply: o.apply, showInvalid: o.showInvalid, ...(o.organization === undefined ? {} : { organization: o.organization }) }),
      ),
    );

  program
    .command('status')
    .description(
      'Last executions (closed batches) per role, S-360 style: time, duration, received, pushed, skipped by reason, rejected, ' +
        "dead-lettered, status OK / WARNING / ERROR, and the same per organization when a batch held several; each role's consumer lag; " +
        "the holder-sync poller's key and lease",
    )
    .addOption(roleOption(false, 'only this role'))
    .option('--limit <n>', 'executions per role', positiveInt('--limit'), 10)
    .addOption(organizationOption("only the executions holding this S-360 organization's records, with its counts"))
    .action((o: { role?: Role; limit: number; organization?: string }) =>
      withRuntime({ ...(o.role ? { role: o.role } : {}), needs: ['kafka', 'mongo'] }, (rt) => status(rt, o)),
    );

  program
    .command('doctor')
    .description('Validate the configuration and check Kafka, the Schema Registry, MongoDB, TIXnGO (and SMTP), in plain words')
    .addOption(roleOption(false, 'check for this role (default: BRIDGE_ROLE, else every role)'))
    .action((o: { role?: Role }) => doctor(process.env, o, logger(), out));

  return program;
}

async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version' ? 0 : 2;
    }
    if (e instanceof CliFailure) {
      out.note(`error: ${e.message}`);
      return e.exitCode;
    }
    if (e instanceof ConfigError) {
      out.note(`tixngo-bridge: ${e.message}`);
      return 2;
    }
    out.note(`error: ${toSafeError(e).message}`);
    return 1;
  }
}

void main(process.argv).then((code) => process.exit(code));
