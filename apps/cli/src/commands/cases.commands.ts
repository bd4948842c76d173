import { CASE_STATUSES, CaseExportService, systemIdentificationActor, type CaseStatusFilter } from '@tiltas/identification';
import { OutcomeImportService, systemOutreachActor } from '@tiltas/outreach';
import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { CliExit, CliIo, withApp } from '../cli-context';

export function registerCasesCommands(program: Command, io: CliIo): void {
  const cases = program.command('cases').description('cases from identification runs');

  cases
    .command('export')
    .option('--municipality <code>', 'only this municipality (LT-01…LT-60)')
    .option('--status <status>', `only this status: ${CASE_STATUSES.join(', ')} (OPEN is every status but CLOSED)`)
    .description('CSV to stdout: case_id,pseudonym,municipality,cohorts,status,created_at (cohorts sorted, joined with |)')
    .action(async (options: { municipality?: string; status?: string }) => {
      if (options.status !== undefined && !(CASE_STATUSES as readonly string[]).includes(options.status)) {
        throw new CliExit(2, `--status must be one of ${CASE_STATUSES.join(', ')}`);
      }
      await withApp(
        (app) =>
          app.get(CaseExportService).exportCsv(process.stdout, { municipality: options.municipality, status: options.status as CaseStatusFilter | undefined }, systemIdentificationActor('cli')),
        { redis: false },
      );
    });

  cases
    .command('import-outcomes')
    .requiredOption('--file <path>', 'outcomes.csv: pseudonym,municipality,outcome,closed_on,to_municipality,cohorts,reason')
    .description('bring in closings from another system: close the open cases they name, keep the rest as history')
    .action(async (options: { file: string }) => {
      const file = await readFile(options.file).catch((err: NodeJS.ErrnoException) => {
        throw new CliExit(2, `cannot read ${options.file}: ${err.code ?? err.message}`);
      });
      const result = await withApp((app) => app.get(OutcomeImportService).importFile(systemOutreachActor('cli'), file, options.file), { redis: false });
      if (result.kind === 'refused') {
        for (const line of result.problems) io.err(line);
        throw new CliExit(1, `refused ${options.file}: ${result.problems.length} problem(s); nothing was changed`);
      }
      io.out(result.summary);
      if (result.importId === null) io.err('nothing changed: every row equals a closing already recorded');
    });
}
