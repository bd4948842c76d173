import { DomainError, isIsoDate } from '@tiltas/common';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseCsv } from '../parsing/csv-parser';
import { pseudonymFor, validatePersonalCode } from '@tiltas/contract';
import { isRegisterCode, RegisterCode } from '@tiltas/contract';
import { REGISTERS } from '../register-declarations';
import { checkHeader } from '../validation/header';
import { Delivery, ExtractManifest } from '../validation/manifest';

/**
 * The key file of `pseudonymise --key-file`: either JSON `{ "keyId": "k2026", "keyHex": "<hex>" }` (the
 * format PSEUDONYM_KEY_FILE uses) or, when the file is not such JSON, the file's raw bytes are the key.
 */
export async function readPseudonymKeyFile(path: string, keyId: string): Promise<Buffer> {
  const bytes = await readFile(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    parsed = null;
  }
  if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { keyHex?: unknown }).keyHex === 'string') {
    const { keyId: fileKeyId, keyHex } = parsed as { keyId?: unknown; keyHex: string };
    if (!/^([0-9a-fA-F]{2})+$/.test(keyHex)) throw DomainError.validation(`key file ${path}: keyHex must be hex`);
    if (typeof fileKeyId === 'string' && fileKeyId !== keyId) {
      throw DomainError.validation(`key file ${path} holds key ${fileKeyId}, not ${keyId}`);
    }
    return Buffer.from(keyHex, 'hex');
  }
  if (bytes.length < 16) throw DomainError.validation(`key file ${path}: a raw key must be at least 16 bytes`);
  return bytes;
}

export interface PseudonymiseOptions {
  readonly register: string;
  readonly inPath: string;
  readonly key: Buffer;
  readonly keyId: string;
  readonly asOf: string;
  readonly lawfulBasis: string;
  readonly outDir: string;
  /** When the register produced the file; defaults to now. */
  readonly extractedAt?: string;
  /** `delta` writes `"delivery": "delta"` into the manifest; a full delivery's manifest has no such field. */
  readonly delivery?: Delivery;
}

export interface PseudonymiseResult {
  readonly csvPath: string;
  readonly manifestPath: string;
  readonly manifest: ExtractManifest;
  /** Rows left out because their personal code is invalid: line and reason, never the code. */
  readonly invalid: ReadonlyArray<{ line: number; reason: string }>;
}

const NEEDS_QUOTES = /[",\r\n]/;

function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * For register holders: turns a raw extract (the contract's columns with `national_id` in place of
 * `pseudonym`) into a delivery: `<register>.csv` with `pseudonym = HMAC-SHA-256(key, national_id)` and
 * its manifest. Streams; rows whose personal code is invalid (format, birth date, check digit) are left
 * out and listed. Only the national id column is touched; every other field is written as read, so the
 * receiving side validates the rest.
 */
export async function pseudonymiseExtract(options: PseudonymiseOptions): Promise<PseudonymiseResult> {
  const problems: string[] = [];
  if (!isRegisterCode(options.register)) problems.push(`register ${JSON.stringify(options.register)} is not a register code`);
  if (!isIsoDate(options.asOf)) problems.push(`as-of ${JSON.stringify(options.asOf)} is not a date (YYYY-MM-DD)`);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(options.keyId)) problems.push('key id must be 1-64 letters, digits, . _ -');
  if (options.lawfulBasis.trim().length === 0) problems.push('lawful basis must not be empty');
  if (problems.length > 0) throw DomainError.validation(`cannot pseudonymise: ${problems.join('; ')}`, { problems });
  const register = options.register as RegisterCode;
  const declaration = REGISTERS[register];

  await mkdir(options.outDir, { recursive: true });
  const csvPath = join(options.outDir, `${register}.csv`);
  const manifestPath = join(options.outDir, `${register}.manifest.json`);
  const partial = `${csvPath}.partial`;
  const out = createWriteStream(partial);
  const hash = createHash('sha256');
  const invalid: Array<{ line: number; reason: string }> = [];
  let idIndex = -1;
  let rows = 0;

  const write = async (text: string): Promise<void> => {
    hash.update(text, 'utf8');
    if (!out.write(text, 'utf8')) await once(out, 'drain');
  };

  try {
    for await (const records of parseCsv(createReadStream(options.inPath, { highWaterMark: 1 << 20 }))) {
      let text = '';
      for (const record of records) {
        if (idIndex < 0) {
          idIndex = record.fields.indexOf('national_id');
          if (idIndex < 0) throw DomainError.validation('the raw extract has no national_id column');
          const header = record.fields.map((f, i) => (i === idIndex ? 'pseudonym' : f));
          checkHeader(header, declaration);
          text += `${header.map(csvField).join(',')}\n`;
          continue;
        }
        const code = record.fields[idIndex] ?? '';
        const verdict = validatePersonalCode(code);
        if (!verdict.ok) {
          invalid.push({ line: record.line, reason: verdict.reason });
          continue;
        }
        const fields = record.fields.map((f, i) => (i === idIndex ? pseudonymFor(options.key, code) : csvField(f)));
        text += `${fields.join(',')}\n`;
        rows++;
      }
      if (text.length > 0) await write(text);
    }
    if (idIndex < 0) throw DomainError.validation('the raw extract is empty: it has no header line');
    out.end();
    await once(out, 'finish');
  } catch (err) {
    out.destroy();
    throw err;
  }
  await rename(partial, csvPath);

  const manifest: ExtractManifest = {
    register,
    asOf: options.asOf,
    extractedAt: options.extractedAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    rows,
    sha256: hash.digest('hex'),
    lawfulBasis: options.lawfulBasis,
    pseudonymKeyId: options.keyId,
    delivery: options.delivery ?? 'full',
  };
  const { delivery, ...full } = manifest;
  await writeFile(manifestPath, `${JSON.stringify(delivery === 'delta' ? manifest : full, null, 2)}\n`);
  return { csvPath, manifestPath, manifest, invalid };
}
