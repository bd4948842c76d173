import { CaseWorkService, OUTCOMES, systemOutreachActor, type Outcome } from '@tiltas/outreach';
import { Command } from 'commander';
import { CliExit, CliIo, withApp } from '../cli-context';

/**
 * Operator commands for case work (the demo's, and a coordinator's by hand): automatic assignment of a
 * municipality's backlog, and closing a case. They act as `system:cli`, logged as such.
 */
export function registerOutreachCommands(program: Command, io: CliIo): void {
  const cases = program.commands.find((c) => c.name() === 'cases') ?? program.command('cases').description('cases and case work');

  cases
    .command('assign-auto')
    .description('assign the unassigned backlog: most urgent cases to the least-loaded workers, within caseload limits')
    .requiredOption('--municipality <code>', 'LT-01…LT-60')
    .action(async (options: { municipality: string }) => {
      const result = await withApp((app) => app.get(CaseWorkService).autoAssign(systemOutreachActor('cli'), options.municipality));
      io.out(`assigned ${result.assigned} case(s) in ${result.municipality}; ${result.backlogLeft} left unassigned`);
      for (const w of result.workers) io.out(`  ${w.username.padEnd(24)} +${String(w.assigned).padStart(4)}  ${w.after}/${w.caseloadLimit}`);
    });

  cases
    .command('close')
    .description('close a case with an outcome (the outcome rules apply: UNREACHABLE after the attempts, SUPPORT_ACCEPTED with a referral, …)')
    .requiredOption('--case <id>', 'case id')
    .requiredOption('--outcome <outcome>', OUTCOMES.join(', '))
    .option('--reason <text>', 'why (required for NOT_ELIGIBLE)')
    .option('--to-municipality <code>', 'MOVED_AWAY: the new municipality (the case is handed over there)')
    .action(async (options: { case: string; outcome: string; reason?: string; toMunicipality?: string }) => {
      const id = Number(options.case);
      if (!Number.isSafeInteger(id) || id < 1) throw new CliExit(2, '--case must be a case id');
      if (!(OUTCOMES as readonly string[]).includes(options.outcome)) throw new CliExit(2, `--outcome must be one of ${OUTCOMES.join(', ')}`);
      const closed = await withApp((app) =>
        app.get(CaseWorkService).close(systemOutreachActor('cli'), id, { outcome: options.outcome as Outcome, reason: options.reason, toMunicipality: options.toMunicipality }),
      );
      io.out(`case ${closed.caseId} closed as ${closed.outcome}`);
      if (closed.handedOver) io.out(`handed over to ${closed.handedOver.municipality} as case ${closed.handedOver.caseId}`);
      if (closed.optOut) io.out(`opt-out ${closed.optOut.id} recorded; ${closed.optOut.otherCasesClosed} other open case(s) closed`);
    });
}
