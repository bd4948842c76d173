import { IdentificationService, systemIdentificationActor } from '@tiltas/identification';
import { Command } from 'commander';
import { CliExit, CliIo, withApp } from '../cli-context';

/** People held back per closing outcome, as the run recorded them (the spec's re-listing rules). */
export function suppressionLine(suppressed: Readonly<Record<string, number>>, cohortsHeld: number): string {
  const parts = Object.entries(suppressed)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([outcome, n]) => `${outcome}=${n}`);
  const held = cohortsHeld > 0 ? `; ${cohortsHeld} listed for fewer cohorts (NOT_ELIGIBLE holds the others)` : '';
  return `suppressed: ${parts.length > 0 ? parts.join(' ') : 'nobody'}${held}`;
}

export function registerIdentifyCommand(program: Command, io: CliIo): void {
  program
    .command('identify')
    .requiredOption('--as-of <date>', 'reference date D (YYYY-MM-DD)')
    .option('--criteria <ids>', 'comma-separated ACTIVE criteria ids (default: every ACTIVE criterion)')
    .description('run identification at D to completion, in this process (the same service the worker job calls)')
    .action(async (options: { asOf: string; criteria?: string }) => {
      const criteria = options.criteria?.split(',').map((s) => s.trim()).filter(Boolean);
      if (criteria && criteria.length === 0) throw new CliExit(2, '--criteria needs at least one id');
      const { run, repeated, counts } = await withApp(
        (app) => app.get(IdentificationService).run({ asOf: options.asOf, criteria, trigger: 'cli', actor: systemIdentificationActor('cli') }),
        { redis: false },
      );
      for (const c of counts) io.out(`${c.cohort} matched=${c.matched} new=${c.new} added=${c.added} suppressed=${c.suppressed}`);
      io.err(
        repeated
          ? `run ${run.id} at ${run.asOf} had already run with these versions and extracts: nothing changed`
          : `run ${run.id} at ${run.asOf}: ${run.casesCreated} case(s) created, ${run.casesUpdated} gained cohorts, ${run.casesLapsed} lapsed, ${run.durationMs} ms`,
      );
      io.err(suppressionLine(run.suppressed, run.cohortsHeld));
    });
}
