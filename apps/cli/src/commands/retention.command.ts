import { CaseRetentionService } from '@tiltas/outreach';
import { RetentionService } from '@tiltas/registers';
import { Command } from 'commander';
import { CliIo, withApp } from '../cli-context';

/** `retention run`: what the daily retention job does, now, in-process (the same services, logged alike). */
export function registerRetentionCommand(program: Command, io: CliIo): void {
  program
    .command('retention')
    .description('retention of register data and case work')
    .command('run')
    .description('drop superseded extracts and delete closed cases past their configured periods, logging each purge')
    .action(async () => {
      const { extracts, cases } = await withApp(async (app) => ({
        extracts: await app.get(RetentionService).purgeSupersededExtracts(),
        cases: await app.get(CaseRetentionService).purgeClosedCases(),
      }));
      io.out(`extracts purged=${extracts.length}${extracts.map((e) => ` ${e.register}@${e.asOf}`).join('')}`);
      io.out(`cases purged=${cases.purged} closed_before=${cases.closedBefore.slice(0, 10)} (${cases.closedCaseDays} days)`);
      for (const [municipality, n] of Object.entries(cases.byMunicipality)) io.out(`  ${municipality} ${n}`);
    });
}
