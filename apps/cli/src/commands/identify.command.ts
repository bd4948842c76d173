import { vilniusDate } from '@tiltas/common';
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
    .option('--as-of <date>', 'reference date D (YYYY-MM-DD); required unless --delta, where it defaults to today in Europe/Vilnius')
    .option('--criteria <ids>', 'comma-separated ACTIVE criteria ids (default: every ACTIVE criterion)')
    .option('--delta <extractId>', "a delta's same-day run: its persons only, every ACTIVE criterion reading its register (what the identify.delta job does)")
    .description('run identification at D to completion, in this process (the same service the worker job calls)')
    .action(async (options: { asOf?: string; criteria?: string; delta?: string }) => {
      if (options.delta !== undefined) {
        if (options.criteria !== undefined) throw new CliExit(2, '--delta takes every ACTIVE criterion reading the delta\'s register: leave out --criteria');
        if (!/^[1-9]\d{0,9}$/.test(options.delta)) throw new CliExit(2, `--delta needs an extract id (a whole number), not ${JSON.stringify(options.delta)}`);
        const extractId = Number(options.delta);
        const asOf = options.asOf ?? vilniusDate(new Date());
        const outcome = await withApp(
          (app) => app.get(IdentificationService).runDelta({ extractId, asOf, trigger: 'cli', actor: systemIdentificationActor('cli') }),
          { redis: false },
        );
        if (outcome.kind === 'skipped') {
          io.err(`delta ${extractId}: nothing to identify: ${outcome.reason}`);
          return;
        }
        const { run } = outcome;
        for (const c of outcome.counts) io.out(`${c.cohort} matched=${c.matched} new=${c.new} added=${c.added} suppressed=${c.suppressed}`);
        io.err(
          outcome.repeated
            ? `delta ${extractId} was identified already by run ${run.id} at ${run.asOf}: nothing changed`
            : `run ${run.id} (delta ${extractId}, ${outcome.persons} person(s)) at ${run.asOf}: ${run.casesCreated} case(s) created, ${run.casesUpdated} gained cohorts, ${run.casesLapsed} lapsed, ${run.durationMs} ms`,
        );
        io.err(suppressionLine(run.suppressed, run.cohortsHeld));
        return;
      }
      if (options.asOf === undefined) throw new CliExit(2, "required option '--as-of <date>' not specified");
      const asOf = options.asOf;
      const criteria = options.criteria?.split(',').map((s) => s.trim()).filter(Boolean);
      if (criteria && criteria.length === 0) throw new CliExit(2, '--criteria needs at least one id');
      const { run, repeated, counts } = await withApp(
        (app) => app.get(IdentificationService).run({ asOf, criteria, trigger: 'cli', actor: systemIdentificationActor('cli') }),
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
