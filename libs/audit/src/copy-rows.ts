import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { StringDecoder } from 'node:string_decoder';

/**
 * Streams the rows of a query through COPY … TO STDOUT (text format), the fastest way out of PostgreSQL:
 * no per-row protocol messages and no type parsing. Fields arrive as text, null as `null`. The query must
 * not take parameters (COPY cannot); it is a constant in the callers.
 */
export async function* copyRows(client: PoolClient, query: string): AsyncGenerator<Array<string | null>[]> {
  const stream = client.query(copyTo(`COPY (${query}) TO STDOUT`));
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const text = rest + decoder.write(chunk);
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    yield lines.map(parseCopyLine);
  }
  rest += decoder.end();
  if (rest.length > 0) yield [parseCopyLine(rest)];
}

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function unescapeCopy(field: string): string {
  return field.replace(/\\(.)/g, (_, c: string) => ESCAPES[c] ?? c);
}

/** One line of COPY text: tab-separated, `\N` for null, backslash escapes (the only ones COPY TO writes). */
export function parseCopyLine(line: string): Array<string | null> {
  const fields = line.split('\t');
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f === '\\N') fields[i] = null as unknown as string;
    else if (f.includes('\\')) fields[i] = unescapeCopy(f);
  }
  return fields;
}
