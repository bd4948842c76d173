import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ClockModule } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { QueueModule } from '@tiltas/queue';
import { IngestOutcome, IngestService, RegistersModule } from '@tiltas/registers';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { csvOf, freshDir, lawfulBasisInsert, POPULATION_HEADER, populationRows, pseudonymOf, writeDelivery } from './ingest-fixtures';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const ACTOR = { userId: 'system:test', role: 'SYSTEM', municipality: null, scope: 'national' as const };
const EMPLOYMENT_HEADER = 'pseudonym,employer,kind,employed_from,employed_to';

jest.setTimeout(60_000);

describe('ingest of register extracts', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let ingest: IngestService;

  beforeAll(async () => {
    db = await createTestDatabase();
    const all = ['population', 'contacts', 'education', 'employment', 'jobseekers', 'social_services', 'prison', 'care', 'military', 'parental_leave', 'disability'];
    for (const entry of [
      lawfulBasisInsert({ id: 'LB-TEST', registers: all }),
      lawfulBasisInsert({ id: 'LB-NO-PRISON', registers: ['population', 'employment'] }),
      lawfulBasisInsert({ id: 'LB-2025', registers: all, validFrom: '2025-01-01', validTo: '2025-12-31' }),
    ]) {
      await db.query(entry.sql, entry.params);
    }
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(), DatabaseModule.forRoot({ owner: true }), QueueModule, RegistersModule.forRoot({ ingest: true })],
    }).compile();
    app = await moduleRef.init();
    ingest = app.get(IngestService);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  async function load(dir: string): Promise<IngestOutcome[]> {
    return ingest.loadDirectory(dir, ACTOR);
  }

  /** Rows identification can see: those of the register's ACTIVE extract. */
  async function visible(register: string): Promise<{ extractId: number | null; rows: number; lines: number[] }> {
    const active = await db.query<{ id: number }>(`SELECT id FROM extract WHERE register = $1 AND status = 'ACTIVE'`, [register]);
    if (active.length === 0) return { extractId: null, rows: 0, lines: [] };
    const rows = await db.query<{ line: number }>(`SELECT line FROM reg_${register} WHERE extract_id = $1 ORDER BY line`, [active[0].id]);
    return { extractId: active[0].id, rows: rows.length, lines: rows.map((r) => r.line) };
  }

  /** Every row of the register in any extract, attached or not: a rejection must add none. */
  async function everyRow(register: string): Promise<number> {
    const tables = await db.query<{ relname: string }>(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE $1`, [`reg\\_${register}\\_e%`]);
    let total = 0;
    for (const t of tables) total += Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${t.relname}`))[0].n);
    return total;
  }

  async function expectRejectedLeavingNothing(dir: string, register: string, reason: RegExp): Promise<IngestOutcome> {
    const before = await visible(register);
    const rowsBefore = await everyRow(register);
    const quarantineBefore = (await db.query<{ n: string }>(`SELECT count(*) AS n FROM extract_quarantine`))[0].n;
    const [outcome] = await load(dir);
    expect(outcome.status).toBe('REJECTED');
    expect(outcome.reason).toMatch(reason);
    expect(await visible(register)).toEqual(before);
    expect(await everyRow(register)).toBe(rowsBefore);
    expect((await db.query<{ n: string }>(`SELECT count(*) AS n FROM extract_quarantine`))[0].n).toBe(quarantineBefore);
    const audit = await db.query<{ action: string; details: { reason: string } }>(`SELECT action, details FROM audit_log ORDER BY seq DESC LIMIT 1`);
    expect(audit[0].action).toBe('extract.rejected');
    expect(audit[0].details.reason).toBe(outcome.reason);
    return outcome;
  }

  it('accepts a clean population, makes it the active extract with its rows, indexes and an audit entry', async () => {
    const dir = await writeDelivery(await freshDir('ok'), 'population', csvOf(POPULATION_HEADER, populationRows(0, 200)));
    const [outcome] = await load(dir);
    expect(outcome).toMatchObject({ register: 'population', asOf: '2026-10-01', status: 'ACCEPTED', rows: 200, quarantined: 0 });
    const seen = await visible('population');
    expect(seen.rows).toBe(200);
    expect(seen.lines[0]).toBe(2);
    const attached = await db.query<{ relname: string }>(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'reg_population'::regclass`,
    );
    expect(attached.map((a) => a.relname)).toEqual([`reg_population_e${seen.extractId}`]);
    const indexes = await db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'reg_population_pseudonym'::regclass`);
    expect(Number(indexes[0].n)).toBe(1);
    const audit = await db.query<{ action: string; lawful_basis_id: string; details: Record<string, unknown> }>(
      `SELECT action, lawful_basis_id, details FROM audit_log WHERE action = 'extract.accepted' ORDER BY seq DESC LIMIT 1`,
    );
    expect(audit[0]).toMatchObject({ lawful_basis_id: 'LB-TEST', details: expect.objectContaining({ rows: 200, quarantined: 0, register: 'population' }) });
  });

  it('says ALREADY_LOADED for the same file again, changes nothing and logs it', async () => {
    const dir = await writeDelivery(await freshDir('again'), 'population', csvOf(POPULATION_HEADER, populationRows(0, 200)));
    const before = await visible('population');
    const [outcome] = await load(dir);
    expect(outcome).toMatchObject({ status: 'ALREADY_LOADED', rows: 200, quarantined: 0, extractId: before.extractId });
    expect(await visible('population')).toEqual(before);
    expect((await db.query<{ n: string }>(`SELECT count(*) AS n FROM extract WHERE register = 'population'`))[0].n).toBe('1');
    expect((await db.query<{ action: string }>(`SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1`))[0].action).toBe('extract.already_loaded');
  });

  it('rejects another file delivered under the manifest of an extract it holds, at once and without a retry', async () => {
    // The manifest of the active population (same register, asOf and sha256) beside a file that differs.
    const dir = await writeDelivery(await freshDir('swapped'), 'population', csvOf(POPULATION_HEADER, populationRows(0, 200)));
    await writeFile(join(dir, 'population.csv'), csvOf(POPULATION_HEADER.replace('pseudonym', 'who'), populationRows(0, 200)));
    await expectRejectedLeavingNothing(dir, 'population', /^sha256 does not match the file/);
    expect((await db.query<{ n: string }>(`SELECT count(*) AS n FROM extract WHERE register = 'population' AND status <> 'REJECTED'`))[0].n).toBe('1');
  });

  describe('rejects whole, leaving the active extract as it was', () => {
    const population = (rows = populationRows(1000, 1010)) => csvOf(POPULATION_HEADER, rows);

    it('a CSV without its manifest', async () => {
      const o = await expectRejectedLeavingNothing(await writeDelivery(await freshDir('nm'), 'population', population(), { without: 'manifest' }), 'population', /manifest population\.manifest\.json is missing/);
      expect(o.asOf).toBeNull();
    });

    it('a manifest without its CSV', async () => {
      await expectRejectedLeavingNothing(await writeDelivery(await freshDir('nc'), 'population', population(), { without: 'csv' }), 'population', /file population\.csv is missing/);
    });

    it('a manifest that is not JSON', async () => {
      await expectRejectedLeavingNothing(await writeDelivery(await freshDir('mj'), 'population', population(), { manifestText: '{"register": "population",' }), 'population', /manifest is not valid JSON/);
    });

    it('a manifest missing fields, naming each', async () => {
      await expectRejectedLeavingNothing(
        await writeDelivery(await freshDir('mf'), 'population', population(), { manifest: { sha256: undefined, asOf: '2026-02-30' } }),
        'population',
        /sha256 is missing.*|asOf "2026-02-30" is not a calendar date/,
      );
    });

    it('a wrong sha256', async () => {
      await expectRejectedLeavingNothing(await writeDelivery(await freshDir('sha'), 'population', population(), { manifest: { sha256: 'a'.repeat(64) } }), 'population', /sha256 does not match the file/);
    });

    it('a wrong row count', async () => {
      await expectRejectedLeavingNothing(await writeDelivery(await freshDir('rows'), 'population', population(), { manifest: { rows: 11 } }), 'population', /rows does not match the file \(manifest 11, file 10\)/);
    });

    it('an unknown register', async () => {
      const o = await expectRejectedLeavingNothing(await writeDelivery(await freshDir('reg'), 'pets', 'pseudonym,name\n'), 'population', /register "pets" is not a known register code/);
      expect(o.register).toBe('pets');
    });

    it('a manifest for another register than its file name', async () => {
      await expectRejectedLeavingNothing(await writeDelivery(await freshDir('other'), 'population', population(), { register: 'employment' }), 'population', /manifest is for register employment/);
    });

    it('a lawful basis that is not registered', async () => {
      await expectRejectedLeavingNothing(await writeDelivery(await freshDir('lb'), 'population', population(), { lawfulBasis: 'LB-NOPE' }), 'population', /LB-NOPE/);
    });

    it('a lawful basis that does not permit the register', async () => {
      const dir = await writeDelivery(await freshDir('lbp'), 'prison', 'pseudonym,institution,custody_from,released_on,expected_release_on,release_municipality\n', { lawfulBasis: 'LB-NO-PRISON' });
      await expectRejectedLeavingNothing(dir, 'prison', /LB-NO-PRISON does not cover prison at 2026-10-01:.*prison/);
    });

    it('a lawful basis not valid at asOf', async () => {
      await expectRejectedLeavingNothing(await writeDelivery(await freshDir('lbd'), 'population', population(), { lawfulBasis: 'LB-2025' }), 'population', /LB-2025 does not cover population at 2026-10-01/);
    });

    it('a missing header column', async () => {
      await expectRejectedLeavingNothing(
        await writeDelivery(await freshDir('hm'), 'population', csvOf('pseudonym,birth_date,sex,municipality,registered_since,deceased_on', populationRows(0, 2).map((r) => r.slice(0, -1)))),
        'population',
        /header is wrong: missing "emigrated_on"/,
      );
    });

    it('an extra header column', async () => {
      await expectRejectedLeavingNothing(
        await writeDelivery(await freshDir('hx'), 'population', csvOf(`${POPULATION_HEADER},religion`, populationRows(0, 2).map((r) => `${r},x`))),
        'population',
        /not in the contract "religion"/,
      );
    });

    it('a duplicated header column', async () => {
      await expectRejectedLeavingNothing(
        await writeDelivery(await freshDir('hd'), 'population', csvOf(`${POPULATION_HEADER},sex`, populationRows(0, 2).map((r) => `${r},F`))),
        'population',
        /repeated "sex"/,
      );
    });

    it('an empty file', async () => {
      await expectRejectedLeavingNothing(await writeDelivery(await freshDir('empty'), 'population', ''), 'population', /extract is empty/);
    });

    it('a truncated file (an unterminated quote)', async () => {
      const text = csvOf(POPULATION_HEADER, populationRows(0, 5)) + `${pseudonymOf(9)},"2000-01-01`;
      await expectRejectedLeavingNothing(await writeDelivery(await freshDir('trunc'), 'population', text), 'population', /CSV line 7/);
    });

    it('an extract whose only row is quarantined (1 of 1 is within the share, but nothing good is left)', async () => {
      const [row] = populationRows(4000, 4001);
      const dir = await writeDelivery(await freshDir('only-bad'), 'population', csvOf(POPULATION_HEADER, [row.replace(',F,', ',W,').replace(',M,', ',W,')]));
      const o = await expectRejectedLeavingNothing(dir, 'population', /^all 1 row is quarantined: an extract needs at least one valid row$/);
      expect(o).toMatchObject({ rows: 1, quarantined: 1 });
    });

    it('bytes that are not UTF-8, naming their own line and column rather than the first', async () => {
      const rows = populationRows(4100, 4400);
      const before = Buffer.from(csvOf(POPULATION_HEADER, rows.slice(0, 250)));
      const bad = Buffer.concat([before, Buffer.from(`${pseudonymOf(9)},2000-01-01,F,LT-1`), Buffer.from([0xff]), Buffer.from(`3,2020-01-01,,\n`)]);
      const o = await expectRejectedLeavingNothing(await writeDelivery(await freshDir('utf8'), 'population', bad), 'population', /^CSV line 252, column 83: the file is not valid UTF-8 \(byte 0xff begins no valid character\)$/);
      expect(o.quarantined).toBe(0);
    });

    it('more than 1% of rows quarantined (one row more than allowed)', async () => {
      const rows = populationRows(2000, 2300);
      for (const i of [10, 20, 30, 40]) rows[i] = rows[i].replace('2000-01-', '2023-02-29x');
      const o = await expectRejectedLeavingNothing(await writeDelivery(await freshDir('ratio'), 'population', csvOf(POPULATION_HEADER, rows)), 'population', /4 of 300 rows quarantined, more than the 1% allowed \(at most 3\)/);
      expect(o).toMatchObject({ rows: 300, quarantined: 4 });
    });

    it('more than 1% counting repeated persons found after the load', async () => {
      const rows = populationRows(3000, 3300);
      rows[5] = rows[5].replace('2000-01-', '2027-02-30x');
      rows[6] = rows[6].replace(',F,', ',f,');
      rows.push(populationRows(3000, 3001)[0], populationRows(3001, 3002)[0], populationRows(3002, 3003)[0]);
      // 2 bad fields pass the limit of 4 while reading; the 3 repeated persons found in SQL take it to 5.
      const o = await expectRejectedLeavingNothing(await writeDelivery(await freshDir('dups'), 'population', csvOf(POPULATION_HEADER, rows)), 'population', /5 of 303 rows quarantined, more than the 1% allowed \(at most 4\)/);
      expect(o.quarantined).toBe(5);
    });
  });

  it('quarantines bad rows with line, column and reason and accepts exactly 1% of them', async () => {
    const header = EMPLOYMENT_HEADER;
    const rows: string[] = [];
    for (let n = 0; n < 500; n++) rows.push(`${pseudonymOf(n)},EMP${n % 7},EMPLOYEE,2024-01-01,`);
    rows[0] = `${pseudonymOf(0)},EMP1,EMPLOYEE,2027-02-30,`; // line 2: impossible date
    rows[1] = `${pseudonymOf(1)},EMP1,FREELANCER,2024-01-01,`; // line 3: unknown code
    rows[2] = `${pseudonymOf(2).toUpperCase()},EMP1,EMPLOYEE,2024-01-01,`; // line 4: upper-case pseudonym
    rows[3] = `${pseudonymOf(3).slice(0, 40)},EMP1,EMPLOYEE,2024-01-01,`; // line 5: short pseudonym
    rows[4] = `${pseudonymOf(4)},EMP1,EMPLOYEE,2024-06-01,2024-05-31`; // line 6: from after to
    rows[5] = `${pseudonymOf(5)},EMP1,EMPLOYEE,2024-02-29,2024-02-29`; // a leap day: fine
    rows[6] = `${pseudonymOf(6)},"Quoted, ""employer""\nwith a line break",EMPLOYEE,2024-01-01,`; // lines 8-9: fine
    // Lines shift by one after the quoted line break.
    const dir = await writeDelivery(await freshDir('emp'), 'employment', csvOf(header, rows));
    const [outcome] = await load(dir);
    // 5 bad rows of 500 is exactly 1%: accepted.
    expect(outcome).toMatchObject({ register: 'employment', status: 'ACCEPTED', rows: 500, quarantined: 5 });
    const quarantine = await db.query<{ line: number; column_name: string; reason: string }>(
      `SELECT line, column_name, reason FROM extract_quarantine WHERE extract_id = $1 ORDER BY line`,
      [outcome.extractId],
    );
    expect(quarantine).toEqual([
      { line: 2, column_name: 'employed_from', reason: 'impossible date 2027-02-30' },
      { line: 3, column_name: 'kind', reason: expect.stringContaining('unknown code "FREELANCER"') },
      { line: 4, column_name: 'pseudonym', reason: expect.stringContaining('malformed pseudonym') },
      { line: 5, column_name: 'pseudonym', reason: expect.stringContaining('malformed pseudonym') },
      { line: 6, column_name: 'employed_from', reason: 'employed_from 2024-06-01 is after employed_to 2024-05-31' },
    ]);
    const seen = await visible('employment');
    expect(seen.rows).toBe(495);
    expect(seen.lines).not.toContain(2);
    const quoted = await db.query<{ line: number; employer: string }>(`SELECT line, employer FROM reg_employment WHERE employer LIKE 'Quoted%'`);
    expect(quoted).toEqual([{ line: 8, employer: 'Quoted, "employer"\nwith a line break' }]);
    const leap = await db.query<{ n: string }>(`SELECT count(*) AS n FROM reg_employment WHERE employed_from = '2024-02-29'`);
    expect(leap[0].n).toBe('1');
  });

  it('quarantines a row longer than MAX_RECORD_BYTES as too long, naming the limit, and loads the rest', async () => {
    const rows = populationRows(5000, 5200);
    // A quoted field of 70 KiB with commas and line breaks in it: the row is skipped to its true end.
    rows[20] = `${pseudonymOf(5020)},2000-01-01,F,"${'LT-13, \n'.repeat(9000)}",2020-01-01,,`;
    const dir = await writeDelivery(await freshDir('long-row'), 'population', csvOf(POPULATION_HEADER, rows), { asOf: '2026-10-15' });
    const [outcome] = await load(dir);
    expect(outcome).toMatchObject({ status: 'ACCEPTED', rows: 200, quarantined: 1 });
    const q = await db.query<{ line: number; column_name: string | null; reason: string }>(
      `SELECT line, column_name, reason FROM extract_quarantine WHERE extract_id = $1`,
      [outcome.extractId],
    );
    expect(q).toEqual([{ line: 22, column_name: null, reason: 'row is longer than the 65536 bytes allowed (MAX_RECORD_BYTES)' }]);
    const seen = await visible('population');
    expect(seen.rows).toBe(199);
    // The lines after the long row keep their physical numbers (its 9000 line breaks counted).
    expect(seen.lines.slice(19, 21)).toEqual([21, 9023]);
  });

  it('quarantines every later row of a person in a one-row-per-person register, naming the first line', async () => {
    const rows = populationRows(5000, 5200);
    rows[0] = rows[0].replace(',F,', ',Q,'); // line 2 bad: the first VALID row of person 5000 is the repeat below
    rows.push(populationRows(5000, 5001)[0]); // line 202: first valid row of person 5000
    rows.push(populationRows(5001, 5002)[0]); // line 203: second row of person 5001 (first at line 3)
    const dir = await writeDelivery(await freshDir('pp'), 'population', csvOf(POPULATION_HEADER, rows), { asOf: '2026-11-01' });
    const before = await visible('population');
    const [outcome] = await load(dir);
    expect(outcome).toMatchObject({ status: 'ACCEPTED', rows: 202, quarantined: 2 });
    const quarantine = await db.query<{ line: number; column_name: string; reason: string }>(
      `SELECT line, column_name, reason FROM extract_quarantine WHERE extract_id = $1 ORDER BY line`,
      [outcome.extractId],
    );
    expect(quarantine).toEqual([
      { line: 2, column_name: 'sex', reason: expect.stringContaining('unknown code "Q"') },
      { line: 203, column_name: 'pseudonym', reason: 'second row for this person, first at line 3' },
    ]);
    const seen = await visible('population');
    expect(seen.extractId).toBe(outcome.extractId);
    expect(seen.rows).toBe(200);
    expect(seen.lines).toContain(202);
    const statuses = await db.query<{ id: number; status: string }>(`SELECT id, status FROM extract WHERE id = $1`, [before.extractId]);
    expect(statuses[0].status).toBe('SUPERSEDED');
  });

  it('keeps an older asOf without activating it, and says so', async () => {
    const before = await visible('population');
    const dir = await writeDelivery(await freshDir('old'), 'population', csvOf(POPULATION_HEADER, populationRows(7000, 7010)), { asOf: '2026-06-30' });
    const [outcome] = await load(dir);
    expect(outcome).toMatchObject({ status: 'NOT_ACTIVATED', rows: 10, quarantined: 0 });
    expect(await visible('population')).toEqual(before);
    const kept = await db.query<{ n: string }>(`SELECT count(*) AS n FROM reg_population WHERE extract_id = $1`, [outcome.extractId]);
    expect(kept[0].n).toBe('10');
  });

  it('reads a BOM, CRLF line ends, columns in another order and non-ASCII text', async () => {
    const header = 'employed_to,kind,pseudonym,employer,employed_from';
    const rows = [`,APPRENTICE,${pseudonymOf(1)},Šiaulių „Žalgiris“ UAB,2025-01-01`, `2025-12-31,SELF_EMPLOYED,${pseudonymOf(2)},Ąžuolas,2025-01-01`];
    const text = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csvOf(header, rows, '\r\n'))]);
    const dir = await writeDelivery(await freshDir('bom'), 'employment', text, { asOf: '2026-10-15' });
    const [outcome] = await load(dir);
    expect(outcome).toMatchObject({ status: 'ACCEPTED', rows: 2, quarantined: 0 });
    const loaded = await db.query<{ employer: string; kind: string; employed_to: string | null }>(
      `SELECT employer, kind, to_char(employed_to, 'YYYY-MM-DD') AS employed_to FROM reg_employment WHERE extract_id = $1 ORDER BY line`,
      [outcome.extractId],
    );
    expect(loaded).toEqual([
      { employer: 'Šiaulių „Žalgiris“ UAB', kind: 'APPRENTICE', employed_to: null },
      { employer: 'Ąžuolas', kind: 'SELF_EMPLOYED', employed_to: '2025-12-31' },
    ]);
  });

  it('warns when an extract uses another pseudonym key id than the active extracts, and still accepts it', async () => {
    const dir = await writeDelivery(await freshDir('key'), 'military', `pseudonym,service_from,service_to\n${pseudonymOf(1)},2026-01-01,\n`, { pseudonymKeyId: 'k-other' });
    const [outcome] = await load(dir);
    expect(outcome.status).toBe('ACCEPTED');
    expect(outcome.warnings).toEqual([expect.stringContaining('military uses pseudonym key id k-other, but active extracts use k-test')]);
    const recorded = await db.query<{ pseudonym_key_id: string }>(`SELECT pseudonym_key_id FROM extract WHERE id = $1`, [outcome.extractId]);
    expect(recorded[0].pseudonym_key_id).toBe('k-other');
  });

  it('seals contacts: no name, phone or address in clear in the database', async () => {
    const header = 'pseudonym,given_name,family_name,phone,email,address,postal_code,language';
    const rows = [`${pseudonymOf(1)},Žydrūnė,"O'Brien, Jr.",+37060012345,zydrune@example.lt,"Gedimino pr. 1, Vilnius",LT-01101,lt`];
    const dir = await writeDelivery(await freshDir('contacts'), 'contacts', csvOf(header, rows));
    const [outcome] = await load(dir);
    expect(outcome).toMatchObject({ status: 'ACCEPTED', rows: 1, quarantined: 0 });
    const stored = await db.query<{ sealed: Buffer; key_id: string; pseudonym: string }>(`SELECT sealed, key_id, encode(pseudonym, 'hex') AS pseudonym FROM reg_contacts`);
    expect(stored).toHaveLength(1);
    expect(stored[0].pseudonym).toBe(pseudonymOf(1));
    expect(stored[0].key_id).toBe(db.config.secrets.contactsKeyId);
    const raw = stored[0].sealed.toString('utf8');
    for (const clear of ['Žydrūnė', 'Brien', '37060012345', 'zydrune', 'Gedimino', 'LT-01101']) expect(raw).not.toContain(clear);
    const { ContactsVault } = await import('@tiltas/contacts');
    const vault = app.get(ContactsVault);
    expect(await vault.open(pseudonymOf(1))).toEqual({
      given_name: 'Žydrūnė',
      family_name: "O'Brien, Jr.",
      phone: '+37060012345',
      email: 'zydrune@example.lt',
      address: 'Gedimino pr. 1, Vilnius',
      postal_code: 'LT-01101',
      language: 'lt',
    });
    expect(await vault.open(pseudonymOf(2))).toBeNull();
  });

  it('seals many contacts, each under its own nonce, quarantines a repeated person, and every row opens to its own details', async () => {
    const header = 'pseudonym,given_name,family_name,phone,email,address,postal_code,language';
    const person = (n: number) => ({
      given_name: `Ona ${n}`,
      family_name: n % 2 ? 'Žemaitė' : 'Back\\slash "quoted"',
      phone: n % 3 ? `+3706${String(n).padStart(7, '0')}` : null,
      email: n % 4 ? `ona${n}@example.lt` : null,
      address: `Gedimino pr. ${n},\nVilnius`,
      postal_code: 'LT-01101',
      language: 'lt',
    });
    const csvField = (v: string | null) => (v === null ? '' : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    const line = (n: number) => {
      const p = person(n);
      return [pseudonymOf(9000 + n), p.given_name, p.family_name, p.phone, p.email, p.address, p.postal_code, p.language].map(csvField).join(',');
    };
    const rows = Array.from({ length: 300 }, (_, n) => line(n));
    rows.push(line(7)); // a second row for person 7: quarantined, the first stays
    const dir = await writeDelivery(await freshDir('contacts-many'), 'contacts', csvOf(header, rows), { asOf: '2026-11-01' });
    const [outcome] = await load(dir);
    expect(outcome).toMatchObject({ status: 'ACCEPTED', rows: 301, quarantined: 1 });
    const quarantine = await db.query<{ line: number; reason: string }>(`SELECT line, reason FROM extract_quarantine WHERE extract_id = $1`, [outcome.extractId]);
    // Line 1 is the header and every address holds one quoted line break, so row n starts on line 2 + 2n.
    expect(quarantine).toEqual([{ line: 2 + 2 * 300, reason: 'second row for this person, first at line 16' }]);
    const stored = await db.query<{ nonce: string; line: number }>(
      `SELECT encode(substring(sealed FROM 1 FOR 12), 'hex') AS nonce, line FROM reg_contacts WHERE extract_id = $1 ORDER BY line`,
      [outcome.extractId],
    );
    expect(stored).toHaveLength(300);
    expect(new Set(stored.map((r) => r.nonce)).size).toBe(300);
    const { ContactsVault } = await import('@tiltas/contacts');
    const vault = app.get(ContactsVault);
    for (const n of [0, 1, 7, 150, 299]) expect(await vault.open(pseudonymOf(9000 + n))).toEqual(person(n));
  });
});
