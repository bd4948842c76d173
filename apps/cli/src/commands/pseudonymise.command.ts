import { pseudonymiseExtract, readPseudonymKeyFile } from '@tiltas/registers';
import { Command } from 'commander';
import { CliIo } from '../cli-context';

interface PseudonymiseOptions {
  register: string;
  in: string;
  keyFile: string;
  keyId: string;
  asOf: string;
  lawfulBasis: string;
  out: string;
  delta?: boolean;
}

/**
 * For register holders, offline (no database): raw CSV with `national_id` → `<R>.csv` + manifest. Invalid
 * personal codes are listed on stderr by line (never the code itself) and left out; the delivery written
 * is complete without them, so the command still succeeds (exit 0). A file it cannot read fails (exit 1).
 */
export function registerPseudonymiseCommand(program: Command, io: CliIo): void {
  program
    .command('pseudonymise')
    .description('pseudonymise a raw register extract (national_id column) and write it with its manifest')
    .requiredOption('--register <register>', 'register code')
    .requiredOption('--in <file>', 'raw CSV: the contract columns with national_id in place of pseudonym')
    .requiredOption(
      '--key-file <file>',
      'the key: a JSON file {"keyId": "...", "keyHex": "<hex>"} (as PSEUDONYM_KEY_FILE), or else the file\'s raw bytes are the key',
    )
    .requiredOption('--key-id <id>', 'pseudonymKeyId for the manifest')
    .requiredOption('--as-of <date>', 'the date the data describes (YYYY-MM-DD)')
    .requiredOption('--lawful-basis <id>', 'lawful basis id for the manifest')
    .requiredOption('--out <dir>', 'directory to write <register>.csv and <register>.manifest.json into')
    .option('--delta', 'a delta delivery: the manifest says "delivery": "delta" (the rows replace those persons\' rows only)')
    .action(async (o: PseudonymiseOptions) => {
      const key = await readPseudonymKeyFile(o.keyFile, o.keyId);
      const result = await pseudonymiseExtract({
        register: o.register,
        inPath: o.in,
        key,
        keyId: o.keyId,
        asOf: o.asOf,
        lawfulBasis: o.lawfulBasis,
        outDir: o.out,
        delivery: o.delta ? 'delta' : 'full',
      });
      for (const bad of result.invalid) io.err(`line ${bad.line}: invalid personal code: ${bad.reason}`);
      io.out(`${result.manifest.register} ${result.manifest.asOf} rows=${result.manifest.rows} invalid=${result.invalid.length} sha256=${result.manifest.sha256}`);
      io.out(`wrote ${result.csvPath} and ${result.manifestPath}`);
    });
}
