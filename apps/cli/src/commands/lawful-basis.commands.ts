import { systemActor } from '@tiltas/audit';
import { DomainError, ErrorCode } from '@tiltas/common';
import { LawfulBasisRecord, LawfulBasisService, Purpose } from '@tiltas/lawful-bases';
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { CliExit, CliIo, withApp } from '../cli-context';

const CLI_ACTOR = systemActor('cli');

/** A refusal: each problem on its own line, exit 1. */
function refused(io: CliIo, err: unknown, what: string): never {
  if (err instanceof DomainError && (err.code === ErrorCode.VALIDATION_FAILED || err.code === ErrorCode.CONFLICT || err.code === ErrorCode.NOT_FOUND)) {
    const problems = Array.isArray(err.details?.problems) ? (err.details.problems as string[]) : [err.message];
    io.err(`refused ${what}:`);
    if (err.code === ErrorCode.CONFLICT) io.err(`  ${err.message}`);
    else for (const p of problems) io.err(`  - ${p}`);
    throw new CliExit(1);
  }
  throw err;
}

function describe(e: LawfulBasisRecord): string {
  const until = e.effectiveValidTo ?? 'open-ended';
  return `${e.id}  ${e.validFrom}..${until}${e.retiredValidTo ? ' (retired)' : ''}  art6(1)(${e.gdprArticle6})  purposes=${e.purposes.join(',')}  registers=${e.registers.join(',')}`;
}

export function registerLawfulBasisCommands(program: Command, io: CliIo): void {
  const lb = program.command('lawful-basis').description('the lawful-basis registry: add, list, show, retire, check');

  lb.command('add')
    .description('register a lawful basis from its entry file (the register extract contract (spec/extracts.md), "Lawful-basis entry file")')
    .requiredOption('--file <file>', 'the entry file (JSON)')
    .action(async (options: { file: string }) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(options.file, 'utf8'));
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code ? `cannot be read (${(err as NodeJS.ErrnoException).code})` : `is not JSON (${(err as Error).message})`;
        io.err(`refused ${options.file}:`);
        io.err(`  - the file ${reason}`);
        throw new CliExit(1);
      }
      const result = await withApp(
        (app) => app.get(LawfulBasisService).add(undefined, parsed, CLI_ACTOR).catch((err: unknown) => refused(io, err, options.file)),
        { redis: false },
      );
      io.out(result.status === 'ADDED' ? `added ${result.entry.id}` : `unchanged ${result.entry.id} (identical entry exists)`);
    });

  lb.command('list')
    .description('every lawful basis: id, validity, GDPR Art. 6(1) point, purposes, registers')
    .action(async () => {
      const entries = await withApp((app) => app.get(LawfulBasisService).list(), { redis: false });
      if (entries.length === 0) io.out('no lawful bases registered');
      for (const e of entries) io.out(describe(e));
    });

  lb.command('show')
    .argument('<id>', 'lawful-basis id')
    .description('one lawful basis as JSON')
    .action(async (id: string) => {
      const entry = await withApp((app) => app.get(LawfulBasisService).get(id).catch((err: unknown) => refused(io, err, id)), { redis: false });
      io.out(JSON.stringify(entry, null, 2));
    });

  lb.command('retire')
    .argument('<id>', 'lawful-basis id')
    .requiredOption('--valid-to <date>', 'its last valid day (YYYY-MM-DD)')
    .description('retire a lawful basis: it covers nothing after --valid-to')
    .action(async (id: string, options: { validTo: string }) => {
      const result = await withApp(
        (app) => app.get(LawfulBasisService).retire(id, options.validTo, CLI_ACTOR).catch((err: unknown) => refused(io, err, id)),
        { redis: false },
      );
      io.out(result.status === 'RETIRED' ? `retired ${id} after ${options.validTo}` : `unchanged ${id} (already retired after ${options.validTo})`);
    });

  lb.command('check')
    .description('may --purpose read --registers on --date under --basis? Exits 1 with each reason when not')
    .requiredOption('--basis <id>', 'lawful-basis id')
    .requiredOption('--purpose <purpose>', 'outreach, evaluation or statistics')
    .requiredOption('--registers <codes>', 'comma-separated register codes')
    .requiredOption('--date <date>', 'YYYY-MM-DD')
    .action(async (options: { basis: string; purpose: string; registers: string; date: string }) => {
      const verdict = await withApp(
        (app) =>
          app.get(LawfulBasisService).checkCoverage({
            lawfulBasisId: options.basis,
            purpose: options.purpose as Purpose,
            registers: options.registers.split(',').map((r) => r.trim()).filter(Boolean),
            date: options.date,
          }),
        { redis: false },
      );
      if (verdict.ok) {
        io.out(`covered: ${options.basis} permits ${options.purpose} to read ${options.registers} on ${options.date}`);
        return;
      }
      io.err(`not covered by ${options.basis}:`);
      for (const p of verdict.problems) io.err(`  - ${p}`);
      throw new CliExit(1);
    });
}
