import 'reflect-metadata';
import { CommanderError } from 'commander';
import { ConfigError, PreflightError } from '@tiltas/config';
import { DomainError } from '@tiltas/common';
import { CliExit, processIo } from './cli-context';
import { buildProgram } from './program';

async function main(argv: string[]): Promise<number> {
  const program = buildProgram(processIo);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliExit) {
      if (err.message) processIo.err(err.message);
      return err.exitCode;
    }
    if (err instanceof ConfigError || err instanceof PreflightError) {
      processIo.err(err.message);
      return 2;
    }
    if (err instanceof DomainError) {
      processIo.err(`${err.code}: ${err.message}`);
      return 1;
    }
    processIo.err(err instanceof Error ? (err.stack ?? err.message) : String(err));
    return 1;
  }
}

// A reader that stops early (`tiltas cases export | head`) closes the pipe: end quietly, as Unix tools do,
// instead of dying on an unhandled EPIPE with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

main(process.argv).then((code) => {
  process.exitCode = code;
});
