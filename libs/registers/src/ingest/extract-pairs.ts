import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { REGISTER_CODES } from '@tiltas/contract';

/** One delivery found in a directory: either file may be missing, which rejects the delivery. */
export interface ExtractPair {
  /** The `<register>` part of the file names; not necessarily a known register code. */
  readonly name: string;
  readonly csvPath: string | null;
  readonly manifestPath: string | null;
}

const CSV = /^(.+)\.csv$/;
const MANIFEST = /^(.+)\.manifest\.json$/;

/**
 * Every `<register>.csv` / `<register>.manifest.json` pair in `dir`, in load order: population first
 * (every cohort starts from residents, and a population that fails should be seen before the rest), then
 * contacts, then the other registers in the contract's order, then names that are no register at all
 * (they are rejected, but still reported). Other files, and CSVs named after no register that have no
 * manifest, are ignored.
 */
export async function findExtractPairs(dir: string): Promise<ExtractPair[]> {
  const names = new Map<string, { csv: string | null; manifest: string | null }>();
  for (const file of await readdir(dir)) {
    const manifest = MANIFEST.exec(file);
    const csv = manifest ? null : CSV.exec(file);
    const name = manifest?.[1] ?? csv?.[1];
    if (!name) continue;
    const entry = names.get(name) ?? { csv: null, manifest: null };
    if (manifest) entry.manifest = join(dir, file);
    else entry.csv = join(dir, file);
    names.set(name, entry);
  }
  return [...names.entries()]
    // A lone CSV named after no register is not a delivery (a report lying beside the extracts); a lone
    // manifest, or a lone CSV named after a register, is half a delivery and is rejected as such.
    .filter(([name, files]) => files.manifest !== null || (REGISTER_CODES as readonly string[]).includes(name))
    .sort(([a], [b]) => loadRank(a) - loadRank(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, files]) => ({ name, csvPath: files.csv, manifestPath: files.manifest }));
}

function loadRank(name: string): number {
  const index = (REGISTER_CODES as readonly string[]).indexOf(name);
  return index < 0 ? REGISTER_CODES.length : index;
}
