import { IngestService, ExtractsQueryService, formatOutcomeLine } from '@tiltas/registers';
import { Command } from 'commander';
import { CliExit, CliIo, withApp } from '../cli-context';

/** The operator's actor in the audit log: the CLI runs with the owner's rights, as the system. */
const CLI_ACTOR = { userId: 'system:cli', role: 'SYSTEM', municipality: null, scope: 'national' as const };

export function registerExtractsCommands(program: Command, io: CliIo): void {
  const extracts = program.command('extracts').description('register extracts: load, list, quarantine');

  extracts
    .command('load')
    .argument('<dir>', 'directory of <register>.csv + <register>.manifest.json pairs')
    .description('load every extract in DIR (population first); one line per extract; exit 1 if any was rejected')
    .action(async (dir: string) => {
      const outcomes = await withApp((app) => app.get(IngestService).loadDirectory(dir, CLI_ACTOR), { redis: false });
      if (outcomes.length === 0) throw new CliExit(1, `no <register>.csv or <register>.manifest.json in ${dir}`);
      for (const outcome of outcomes) {
        io.out(formatOutcomeLine(outcome));
        for (const warning of outcome.warnings) io.err(`warning: ${warning}`);
        if (outcome.identificationJobId) io.err(`${outcome.register} delta ${outcome.extractId}: same-day identification queued for the worker as job ${outcome.identificationJobId}`);
      }
      if (outcomes.some((o) => o.status === 'REJECTED')) throw new CliExit(1);
    });

  extracts
    .command('list')
    .option('--register <register>', 'only this register')
    .description('list extracts, newest first per register')
    .action(async (options: { register?: string }) => {
      const rows = await withApp((app) => app.get(ExtractsQueryService).list(options), { redis: false });
      for (const e of rows) {
        io.out(`${e.id} ${e.register} ${e.asOf} ${e.status}${e.delivery === 'delta' ? ` delivery=delta applied-to=${e.appliedTo ?? '-'}` : ''} rows=${e.rows} quarantined=${e.quarantined} key=${e.pseudonymKeyId} basis=${e.lawfulBasisId}${e.reason ? ` reason=${e.reason}` : ''}`);
      }
    });

  extracts
    .command('quarantine')
    .argument('<register>', 'register code')
    .option('--as-of <date>', 'the extract of this date (default: the active one)')
    .description("list a register extract's quarantined rows: line, column, reason")
    .action(async (register: string, options: { asOf?: string }) => {
      const listing = await withApp((app) => app.get(ExtractsQueryService).quarantine(register, options.asOf), { redis: false });
      io.out(`${listing.extract.register} ${listing.extract.asOf} ${listing.extract.status} rows=${listing.extract.rows} quarantined=${listing.extract.quarantined}`);
      for (const q of listing.entries) io.out(`line ${q.line} ${q.column ?? '-'}: ${q.reason}`);
    });
}
