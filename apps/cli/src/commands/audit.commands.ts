import { AuditEntry, AuditSearchFilter, AuditService, AuditVerification, appendAnchor, parseAnchorFile, systemActor } from '@tiltas/audit';
import { DomainError } from '@tiltas/common';
import { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { CliExit, CliIo, withApp } from '../cli-context';

const CLI_ACTOR = systemActor('cli');

interface FilterOptions {
  from?: string;
  to?: string;
  actor?: string;
  action?: string;
  municipality?: string;
  lawfulBasis?: string;
  case?: string;
  subject?: string;
}

function withFilterOptions(command: Command): Command {
  return command
    .option('--from <time>', 'from this date or RFC 3339 time')
    .option('--to <time>', 'up to this date (inclusive) or time (exclusive)')
    .option('--actor <id>', 'user id or system:<job>')
    .option('--action <action>', 'an action (case.created) or a family (case.*)')
    .option('--municipality <code>', 'LT-01…LT-60')
    .option('--lawful-basis <id>', 'lawful-basis id')
    .option('--case <id>', 'case id')
    .option('--subject <pseudonym>', 'pseudonym (64 hex)');
}

function filterOf(o: FilterOptions): AuditSearchFilter {
  const f: AuditSearchFilter = { from: o.from, to: o.to, actor: o.actor, action: o.action, municipality: o.municipality, lawfulBasisId: o.lawfulBasis, caseId: o.case, subject: o.subject };
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as AuditSearchFilter;
}

function line(e: AuditEntry): string {
  const about = [e.subject ? `subject=${e.subject}` : null, e.objectType ? `${e.objectType}=${e.objectId}` : null].filter(Boolean).join(' ');
  return `${e.seq}  ${e.at}  ${e.actor} (${e.role}${e.municipality ? ` ${e.municipality}` : ''})  ${e.action}${about ? `  ${about}` : ''}${e.purpose ? `  purpose=${e.purpose}` : ''}${e.lawfulBasisId ? `  basis=${e.lawfulBasisId}` : ''}  ${JSON.stringify(e.details)}`;
}

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0].trim();
}

export function registerAuditCommands(program: Command, io: CliIo): void {
  const audit = program.command('audit').description('the audit log: search, verify, export, subject lookup, anchor');

  withFilterOptions(audit.command('search').description('entries, newest first'))
    .option('--limit <n>', 'at most this many (1-500)', '50')
    .option('--before <seq>', 'entries older than this seq (paging)')
    .option('--json', 'one JSON entry per line')
    .action(async (options: FilterOptions & { limit: string; before?: string; json?: boolean }) => {
      const page = await withApp((app) => app.get(AuditService).search(filterOf(options), { limit: Number(options.limit), beforeSeq: options.before }), { redis: false });
      for (const e of page.entries) io.out(options.json ? JSON.stringify(e) : line(e));
      if (!options.json) io.err(page.nextBeforeSeq ? `more: --before ${page.nextBeforeSeq}` : `${page.entries.length} entries`);
    });

  audit
    .command('verify')
    .description('recompute the whole chain; exits 1 when a link is broken or an anchor does not match')
    .option('--anchor <file>', 'also check the anchors kept outside the database in this file (JSON lines, as `audit anchor --out` writes)')
    .action(async (options: { anchor?: string }) => {
      const outsideAnchors = options.anchor === undefined ? undefined : parseAnchorFile(await readAnchorFile(options.anchor));
      const r = await withApp((app) => app.get(AuditService).verify({ outsideAnchors }), { redis: false });
      for (const l of verificationLines(r)) io.out(l);
      if (!r.ok) throw new CliExit(1);
    });

  withFilterOptions(audit.command('export').description('export as JSONL: a header line (head, last anchor), then one entry per line'))
    .option('--out <file>', 'write here instead of stdout')
    .action(async (options: FilterOptions & { out?: string }) => {
      const stream = options.out ? createWriteStream(options.out, { flags: 'wx' }) : process.stdout;
      const result = await withApp((app) => app.get(AuditService).exportJsonl(stream, filterOf(options), CLI_ACTOR), { redis: false });
      if (options.out) {
        stream.end();
        await finished(stream);
      }
      io.err(`exported ${result.entries} entries${result.header.head ? `; head ${result.header.head.seq} ${result.header.head.hash}` : ''}`);
    });

  audit
    .command('lookup')
    .description('subject access lookup: reads a personal code from stdin (never an argument: it would stay in shell history)')
    .option('--reference <ref>', 'the access request reference, kept in the log entry')
    .action(async (options: { reference?: string }) => {
      const code = await readStdinLine();
      const result = await withApp((app) => app.get(AuditService).subjectLookup(code, CLI_ACTOR, { reference: options.reference }), { redis: false });
      io.out(`subject ${result.subject} (key ${result.pseudonymKeyId}): ${result.entries.length} entries; this lookup is entry ${result.loggedAs.seq}`);
      for (const e of result.entries) io.out(line(e));
    });

  audit
    .command('anchor')
    .description('anchor the current head now (the worker does this on AUDIT_ANCHOR_CRON); with --out, keep the anchor in a file too')
    .option('--out <file>', 'append the anchor to this file as a JSON line (created if missing; the file `audit verify --anchor` reads)')
    .action(async (options: { out?: string }) => {
      const result = await withApp((app) => app.get(AuditService).anchorDocument('system:cli'), { redis: false });
      const doc = result.document;
      if (!doc) {
        io.out('the log is empty; nothing to anchor');
        return;
      }
      io.out(`${result.status === 'ANCHORED' ? 'anchored' : 'already anchored'}: entry ${doc.seq} ${doc.hash}`);
      if (options.out) {
        const appended = await appendAnchor(options.out, doc);
        io.err(appended ? `appended to ${options.out}` : `${options.out} ends with this anchor already`);
      }
    });
}

async function readAnchorFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw DomainError.validation(`cannot read the anchor file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** The report as docs/audit-log.md ("Verification in Tiltas") shows it, line for line. */
export function verificationLines(r: AuditVerification): string[] {
  const lines = [
    `${r.ok ? 'intact' : 'BROKEN'}: ${r.entries} entries verified in ${r.ms} ms; last seq ${r.lastSeq}, hash ${r.lastHash}`,
    `gaps: ${r.gaps} (numbers lost to rolled-back transactions); unsealed: ${r.unsealed} (committed entries not yet in the chain)`,
    r.firstBroken ? `first broken link: entry ${r.firstBroken.seq}: ${r.firstBroken.reason} (${r.brokenLinks} broken in all)` : 'every link holds',
    r.lastAnchor
      ? `last anchor: entry ${r.lastAnchor.seq} at ${r.lastAnchor.anchoredAt}, hash ${r.lastAnchor.hash}: ${r.lastAnchor.matches ? 'the log matches it' : 'the log NO LONGER matches it'}`
      : 'no anchor yet',
  ];
  if (r.firstAnchorMismatch && r.firstAnchorMismatch.seq !== r.lastAnchor?.seq) lines.push(`first anchor mismatch: ${r.firstAnchorMismatch.reason}`);
  if (r.head && !r.head.matches) lines.push(`the head row (entry ${r.head.seq}) is not the last entry of the log`);
  const o = r.outside;
  if (o) {
    lines.push(
      `outside anchors: ${o.checked} checked; the latest, entry ${o.latest.seq} at ${o.latest.anchoredAt}: ${o.latest.matches ? 'the log matches it' : 'the log NO LONGER matches it'}`,
    );
    if (o.firstMismatch) lines.push(`first outside anchor mismatch: ${o.firstMismatch.reason}`);
    lines.push(
      o.gapsAfterHorizon === 0
        ? `no gap after its sealed horizon (entry ${o.latest.sealedHorizon})`
        : `gaps after its sealed horizon (entry ${o.latest.sealedHorizon}): ${o.gapsAfterHorizon}, counted as removed entries; first: ${o.firstGapAfterHorizon!.reason}`,
    );
  }
  return lines;
}
