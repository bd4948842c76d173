import { CaseRetentionService } from '@tiltas/outreach';
import { RetentionService, UploadPurgeService } from '@tiltas/registers';
import { Command } from 'commander';
import { CliIo, withApp } from '../cli-context';

/** `retention run`: what the daily retention job does, now, in-process (the same services, logged alike). */
export function registerRetentionCommand(program: Command, io: CliIo): void {
  program
    .command('retention')
    .description('retention of register data and case work')
    .command('run')
    .description('drop superseded extracts, delete closed cases and shred stuck uploads past their configured periods, logging each purge')
    .action(async () => {
      const { extracts, cases, uploads } = await withApp(async (app) => ({
        extracts: await app.get(RetentionService).purgeSupersededExtracts(),
        cases: await app.get(CaseRetentionService).purgeClosedCases(),
        uploads: await app.get(UploadPurgeService).purgeStuck(),
      }));
      io.out(`extracts purged=${extracts.length}${extracts.map((e) => ` ${e.register}@${e.asOf}`).join('')}`);
      io.out(`cases purged=${cases.purged} closed_before=${cases.closedBefore.slice(0, 10)} (${cases.closedCaseDays} days)`);
      for (const [municipality, n] of Object.entries(cases.byMunicipality)) io.out(`  ${municipality} ${n}`);
      io.out(`uploads purged=${uploads.uploads.length} strays=${uploads.strays} (${uploads.uploadStuckHours} hours)`);
    });
}
