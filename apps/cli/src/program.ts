import { Command } from 'commander';
import { CliIo } from './cli-context';
import { registerAuditCommands } from './commands/audit.commands';
import { registerCasesCommands } from './commands/cases.commands';
import { registerCriteriaCommands } from './commands/criteria.commands';
import { registerDbCommands } from './commands/db.commands';
import { registerExtractsCommands } from './commands/extracts.commands';
import { registerHealthCommand } from './commands/health.command';
import { registerLawfulBasisCommands } from './commands/lawful-basis.commands';
import { registerOutreachCommands } from './commands/outreach.commands';
import { registerIdentifyCommand } from './commands/identify.command';
import { registerPseudonymiseCommand } from './commands/pseudonymise.command';
import { registerRetentionCommand } from './commands/retention.command';
import { registerSynthCommand } from './commands/synth.command';
import { registerTokensCommands } from './commands/tokens.commands';
import { registerUsersCommands } from './commands/users.commands';

/** Every command of `tiltas`. Each is thin: parse, call one lib service, print. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('tiltas')
    .description('Tiltas operator tool: schema, registers, criteria, identification, cases, audit')
    .showHelpAfterError()
    .exitOverride();
  registerDbCommands(program, io);
  registerHealthCommand(program, io);
  registerLawfulBasisCommands(program, io);
  registerAuditCommands(program, io);
  registerUsersCommands(program, io);
  registerTokensCommands(program, io);
  registerExtractsCommands(program, io);
  registerPseudonymiseCommand(program, io);
  registerSynthCommand(program, io);
  registerCriteriaCommands(program, io);
  registerIdentifyCommand(program, io);
  registerCasesCommands(program, io);
  registerOutreachCommands(program, io);
  registerRetentionCommand(program, io);
  return program;
}
