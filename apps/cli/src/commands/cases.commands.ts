import { CASE_STATUSES, CaseExportService, systemIdentificationActor, type CaseStatusFilter } from '@tiltas/identification';
import { Command } from 'commander';
import { CliExit, CliIo, withApp } from '../cli-context';

export function registerCasesCommands(program: Command, _io: CliIo): void {
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
}
