import { DomainError } from '@tiltas/common';
import { generateNation } from '@tiltas/synth';
import { Command } from 'commander';
import { CliIo } from '../cli-context';

/** Writes a synthetic nation (all eleven registers, a demo key marked as such) to the contract. */
export function registerSynthCommand(program: Command, io: CliIo): void {
  program
    .command('synth')
    .description('generate a synthetic nation: every register extract with its manifest, deterministic per seed')
    .requiredOption('--people <n>', 'number of people (2900000 is national size)')
    .requiredOption('--as-of <date>', 'reference date of the extracts (YYYY-MM-DD)')
    .option('--seed <seed>', 'seed: the same seed gives the same nation', 'tiltas')
    .requiredOption('--out <dir>', 'directory to write into')
    .action(async (o: { people: string; asOf: string; seed: string; out: string }) => {
      if (!/^\d+$/.test(o.people)) throw DomainError.validation('--people must be a whole number');
      const summary = await generateNation({ people: Number(o.people), asOf: o.asOf, seed: o.seed, outDir: o.out });
      for (const [register, file] of Object.entries(summary.registers)) io.out(`${register} rows=${file.rows} sha256=${file.sha256}`);
      io.out(
        `wrote ${summary.people} people (${summary.edgeCases} edge cases) as of ${summary.asOf} to ${summary.outDir} in ${summary.seconds.toFixed(1)}s; key id ${summary.keyId} (demo key), lawful basis ${summary.lawfulBasisId}`,
      );
    });
}
