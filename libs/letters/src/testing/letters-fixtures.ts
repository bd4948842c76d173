import { ContactRecord, ContactsCipher } from '@tiltas/contacts';
import { createHash } from 'node:crypto';
import { IncomingMessage, Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** The owner's SQL on a test database (TestDatabase.query). */
export type OwnerQuery = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;

export function pseudonymOf(label: string): string {
  return createHash('sha256').update(`letters-test:${label}`).digest('hex');
}

export async function insertUser(q: OwnerQuery, username: string, role: 'WORKER' | 'COORDINATOR' | 'AUDITOR', municipality: string | null, displayName = username): Promise<string> {
  const rows = await q<{ id: string }>(
    `INSERT INTO users (id, username, display_name, role, municipality, language, caseload_limit, created_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, 'lt', $5, now()) RETURNING id`,
    [username, displayName, role, municipality, role === 'WORKER' ? 40 : null],
  );
  return rows[0].id;
}

/** A case held by `assignedTo` (ASSIGNED), as identification and assignment leave it. */
export async function insertCase(q: OwnerQuery, label: string, o: { municipality?: string; assignedTo?: string | null; status?: string } = {}): Promise<number> {
  const assigned = o.assignedTo ?? null;
  const rows = await q<{ id: string }>(
    `INSERT INTO cases (pseudonym, municipality, status, cohorts, priority, assigned_to, assigned_at)
     VALUES (decode($1, 'hex'), $2, $3, ARRAY['neet-youth'], 100, $4, CASE WHEN $4::uuid IS NULL THEN NULL ELSE now() END) RETURNING id`,
    [pseudonymOf(label), o.municipality ?? 'LT-57', o.status ?? (assigned ? 'ASSIGNED' : 'NEW'), assigned],
  );
  return Number(rows[0].id);
}

async function activeContactsExtract(q: OwnerQuery): Promise<number> {
  const existing = await q<{ id: number }>(`SELECT id FROM extract WHERE register = 'contacts' AND status = 'ACTIVE'`);
  if (existing.length > 0) return existing[0].id;
  const rows = await q<{ id: number }>(
    `INSERT INTO extract (register, as_of, extracted_at, sha256, rows, lawful_basis_id, pseudonym_key_id, status, loaded_by, activated_at)
     VALUES ('contacts', '2026-10-01', now(), encode(sha256(convert_to('letters' || random()::text, 'UTF8')), 'hex'), 0, 'LB-TEST', 'k-test', 'ACTIVE', 'test', now())
     RETURNING id`,
  );
  await q(`CREATE TABLE reg_contacts_${rows[0].id} PARTITION OF reg_contacts FOR VALUES IN (${rows[0].id})`);
  return rows[0].id;
}

/** Seals a person's contact row into the active contacts extract, as ingest does. */
export async function insertContact(q: OwnerQuery, key: { contactsKey: Buffer; contactsKeyId: string }, label: string, contact: Partial<ContactRecord> = {}): Promise<ContactRecord> {
  const record: ContactRecord = {
    given_name: 'Žydrūnė',
    family_name: 'Testaitė',
    phone: '+37060000001',
    email: 'zydrune@example.invalid',
    address: 'Gedimino pr. 1-2, Vilnius',
    postal_code: 'LT-01103',
    language: 'lt',
    ...contact,
  };
  const pseudonym = pseudonymOf(label);
  const extract = await activeContactsExtract(q);
  const cipher = new ContactsCipher(key.contactsKey, key.contactsKeyId);
  await q(
    `INSERT INTO reg_contacts (extract_id, line, pseudonym, key_id, sealed)
     VALUES ($1, (SELECT coalesce(max(line), 1) + 1 FROM reg_contacts WHERE extract_id = $1), decode($2, 'hex'), $3, $4)`,
    [extract, pseudonym, key.contactsKeyId, cipher.seal(pseudonym, JSON.stringify(record))],
  );
  return record;
}

export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

/**
 * A real SMTP server on 127.0.0.1 (smtp-server), without TLS or auth, that keeps every message it
 * accepts. `refuse` makes it reject recipients with a 550.
 */
export async function startSmtpServer(): Promise<{ port: number; received: ReceivedMail[]; refuse: { recipients: boolean }; close(): Promise<void> }> {
  const received: ReceivedMail[] = [];
  const refuse = { recipients: false };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (refuse.recipients) {
        const err = new Error('mailbox unavailable') as Error & { responseCode: number };
        err.responseCode = 550;
        callback(err);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, refuse, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export interface GatewayRequest {
  readonly headers: IncomingMessage['headers'];
  readonly body: { to: string; text: string; reference: string };
}

/** A stub SMS gateway on 127.0.0.1: answers each POST with the next status in `statuses` (then 200). */
export async function startSmsGateway(): Promise<{ url: string; requests: GatewayRequest[]; statuses: number[]; close(): Promise<void> }> {
  const requests: GatewayRequest[] = [];
  const statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const status = statuses.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status < 300 ? { accepted: true } : { error: 'try later' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/sms`, requests, statuses, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Decodes a MIME encoded-word header value (=?UTF-8?Q?...?= / =?UTF-8?B?...?=), enough for the tests. */
export function decodeHeader(value: string): string {
  return value.replace(/=\?UTF-8\?([QB])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')),
  );
}

export function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => `%${hex}`);
  return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
}

/** The header and the decoded text/plain part of a raw message. */
export function readMail(raw: string): { header(name: string): string | null; text: string; html: string } {
  const [head] = raw.split(/\r?\n\r?\n/);
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const header = (name: string): string | null => {
    const line = unfolded.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
    return line ? decodeHeader(line.slice(name.length + 1).trim()) : null;
  };
  const part = (type: string): string => {
    const match = new RegExp(`Content-Type: ${type}[^]*?\\r?\\n\\r?\\n([^]*?)(?:\\r?\\n--|$)`, 'i').exec(raw);
    if (!match) return '';
    const headers = raw.slice(0, match.index + match[0].length - match[1].length);
    const body = match[1];
    if (/Content-Transfer-Encoding: base64/i.test(headers.slice(headers.lastIndexOf('Content-Type')))) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (/Content-Transfer-Encoding: quoted-printable/i.test(headers.slice(headers.lastIndexOf('Content-Type')))) return decodeQuotedPrintable(body);
    return body;
  };
  return { header, text: part('text/plain'), html: part('text/html') };
}
