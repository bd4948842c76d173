import fc from 'fast-check';
import request from 'supertest';
import { ContractApp, IDENTITIES, Identity, startContractApp } from './contract-app';
import { OpenApiDocument, Operation, check, fuzzText, fuzzValue, isFreeText, resolve, validValue } from './openapi-schema';

/**
 * The API contract, checked from outside: every operation the document lists (whatever a colleague adds
 * falls under it after merge) is driven with inputs generated from the document's own schemas, mostly
 * valid and sometimes hostile, as each role and anonymously. It fails on a 500, on any status the
 * operation does not document, and on any body that does not match the schema documented for its status.
 * Bounded runs keep it under a minute and a half on two cores; CONTRACT_FUZZ_RUNS and CONTRACT_FUZZ_SEED
 * widen or vary the search.
 */
const RUNS = Number(process.env.CONTRACT_FUZZ_RUNS ?? 10);
const SEED = Number(process.env.CONTRACT_FUZZ_SEED ?? 20261207);
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/**
 * Free-text path ids that name rows the fixture made (a criterion, the registers with extracts), so the
 * operations behind them are reached and their bodies checked, not only their 404s. No username: the
 * fuzzer would disable the users it signs in as.
 */
const KNOWN_PATH_VALUES = ['neet-youth', 'population', 'contacts', 'LB-TEST'] as const;
type Method = (typeof METHODS)[number];

jest.setTimeout(300_000);

interface GeneratedRequest {
  readonly path: Record<string, string>;
  readonly query: Record<string, string>;
  readonly body: unknown;
}

interface DocumentedOperation {
  readonly method: Method;
  readonly route: string;
  readonly op: Operation;
  readonly public: boolean;
}

function operations(doc: OpenApiDocument): DocumentedOperation[] {
  return Object.entries(doc.paths).flatMap(([route, item]) =>
    METHODS.filter((m) => item[m] !== undefined).map((method) => ({ method, route, op: item[method], public: !item[method].security || item[method].security.length === 0 })),
  );
}

function requestArbitrary(doc: OpenApiDocument, op: Operation): fc.Arbitrary<GeneratedRequest> {
  const params = op.parameters ?? [];
  const path = fc.record(
    Object.fromEntries(
      params
        .filter((p) => p.in === 'path')
        // An empty segment or a dot segment is another route, not this operation with a bad id.
        .map((p) => [p.name, fuzzText(doc, p.schema, KNOWN_PATH_VALUES).filter((s) => s !== '' && s !== '.' && s !== '..')]),
    ),
  );
  const query = fc
    .record(Object.fromEntries(params.filter((p) => p.in === 'query').map((p) => [p.name, p.required ? fuzzText(doc, p.schema) : fc.option(fuzzText(doc, p.schema), { nil: undefined })])))
    .map((q) => Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as Record<string, string>);
  const content = op.requestBody?.content ?? {};
  const json = content['application/json']?.schema;
  const multipart = content['multipart/form-data']?.schema;
  const body: fc.Arbitrary<unknown> = json ? fuzzValue(doc, json) : multipart ? fuzzValue(doc, multipart) : fc.constant(undefined);
  return fc.record({ path, query, body }) as fc.Arbitrary<GeneratedRequest>;
}

function documentedStatus(op: Operation, status: number): string | undefined {
  const keys = Object.keys(op.responses);
  return [String(status), `${String(status)[0]}XX`, 'default'].find((k) => keys.includes(k));
}

/** What is wrong with this answer to this request, by the document; empty when nothing is. */
function problemsWith(doc: OpenApiDocument, op: DocumentedOperation, res: request.Response): string[] {
  const key = documentedStatus(op.op, res.status);
  if (res.status === 500) return [`answered 500: ${JSON.stringify(res.body)}`];
  if (!key) return [`answered ${res.status}, which the document does not list (it lists ${Object.keys(op.op.responses).join(', ')}): ${res.text.slice(0, 300)}`];
  const documented = op.op.responses[key].content;
  if (!documented || res.status === 204 || res.status === 303) return [];
  const mediaType = String(res.headers['content-type'] ?? '').split(';')[0].trim();
  if (!(mediaType in documented)) return [`answered ${res.status} as ${mediaType || 'no content type'}; the document says ${Object.keys(documented).join(', ')}`];
  const schema = documented[mediaType].schema;
  if (mediaType !== 'application/json' || !schema) return [];
  return check(doc, schema, res.body as unknown).map((p) => `answered ${res.status} with a body off its schema: ${p}`);
}

async function send(ctx: ContractApp, op: DocumentedOperation, who: Identity, req: GeneratedRequest): Promise<request.Response> {
  const url = op.route.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(req.path[name] ?? ''));
  let call = request(ctx.app.getHttpServer())[op.method](url).query(req.query).set('Accept', 'application/json');
  if (who !== 'anonymous') call = call.set('Authorization', ctx.bearer[who]);
  const content = op.op.requestBody?.content ?? {};
  if (content['multipart/form-data'] && !content['application/json']) {
    const fields = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
    for (const [name, value] of Object.entries(fields)) call = call.attach(name, Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), `${name}.txt`);
    return call;
  }
  return req.body === undefined ? call : call.send(req.body as object);
}

function describeRequest(op: DocumentedOperation, who: Identity, req: GeneratedRequest): string {
  return `${op.method.toUpperCase()} ${op.route} as ${who} with ${JSON.stringify(req).slice(0, 400)}`;
}

/** The values that most often reach code unguarded: null, past every integer column, an exponent, nothing. */
const EDGE_JSON: readonly unknown[] = [null, 9_223_372_036_854_775_808, '', -1];
const EDGE_TEXT: readonly string[] = ['0', '-1', '1e21', '2147483648', '9223372036854775808', ''];

/**
 * Beside the random search, one field at a time, the rest valid: every body property set to each edge
 * value (and left out), every path and query parameter given each edge text. Random runs find these
 * only by luck (a null password in a body of seven fields); here every one is tried, on every operation.
 */
function edgeRequests(doc: OpenApiDocument, op: Operation): GeneratedRequest[] {
  const base = fc.sample(requestArbitraryValid(doc, op), { numRuns: 1, seed: SEED })[0];
  const out: GeneratedRequest[] = [];
  for (const p of op.parameters ?? []) {
    for (const text of EDGE_TEXT) {
      if (p.in === 'path' && text === '') continue;
      if (p.in === 'path') out.push({ ...base, path: { ...base.path, [p.name]: text } });
      if (p.in === 'query') out.push({ ...base, query: { ...base.query, [p.name]: text } });
    }
  }
  const schema = op.requestBody?.content['application/json']?.schema;
  const body = schema ? resolve(doc, schema) : undefined;
  if (body?.properties && base.body && typeof base.body === 'object') {
    for (const name of Object.keys(body.properties)) {
      const { [name]: _left, ...without } = base.body as Record<string, unknown>;
      out.push({ ...base, body: without });
      for (const value of EDGE_JSON) out.push({ ...base, body: { ...(base.body as object), [name]: value } });
    }
  }
  return out;
}

function requestArbitraryValid(doc: OpenApiDocument, op: Operation): fc.Arbitrary<GeneratedRequest> {
  const params = op.parameters ?? [];
  const text = (p: (typeof params)[number]) => validValue(doc, p.schema ?? { type: 'string' }).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  const path = fc.record(
    Object.fromEntries(
      params
        .filter((p) => p.in === 'path')
        .map((p) => [p.name, isFreeText(doc, p.schema) ? fc.constantFrom(...KNOWN_PATH_VALUES) : text(p).filter((s) => s !== '' && s !== '.' && s !== '..')]),
    ),
  );
  const query = fc.record(Object.fromEntries(params.filter((p) => p.in === 'query' && p.required).map((p) => [p.name, text(p)])));
  const schema = op.requestBody?.content['application/json']?.schema ?? op.requestBody?.content['multipart/form-data']?.schema;
  return fc.record({ path, query, body: schema ? validValue(doc, schema) : fc.constant(undefined) }) as fc.Arbitrary<GeneratedRequest>;
}

/**
 * Who calls an operation: everyone for a signed-in route; for a public one (where a bearer token changes
 * nothing) nobody and one signed-in user, since each sign-in attempt costs a deliberate 0.1 s of scrypt.
 */
function callers(op: DocumentedOperation): readonly Identity[] {
  return op.public ? ['anonymous', 'worker'] : IDENTITIES;
}

/** Whether RolesGuard turns this caller away from this operation whatever the input. */
async function refusedByRole(ctx: ContractApp, op: DocumentedOperation, who: Identity): Promise<boolean> {
  if (who === 'anonymous' || op.public) return false;
  const probe = fc.sample(requestArbitraryValid(ctx.doc, op.op), { numRuns: 1, seed: SEED })[0];
  const res = await send(ctx, op, who, probe);
  return res.status === 403 && /^This needs the role/.test(String((res.body as { message?: unknown }).message));
}

describe('the API contract, fuzzed from the OpenAPI document', () => {
  let ctx: ContractApp;

  beforeAll(async () => {
    ctx = await startContractApp();
  });

  afterAll(async () => {
    await ctx?.close();
  });

  it('answers every documented operation, as every role and anonymously, with a documented status and a body of the documented schema', async () => {
    const ops = operations(ctx.doc);
    expect(ops.length).toBeGreaterThan(60);
    const failures: string[] = [];
    let sent = 0;
    const byStatus = new Map<number, number>();
    for (const op of ops) {
      for (const who of callers(op)) {
        // A signed-out caller of a signed-in route, or one without its role, meets a guard before any input
        // is read: a few tries say it all.
        const runs = (who === 'anonymous' && !op.public) || (await refusedByRole(ctx, op, who)) ? 2 : RUNS;
        const found: string[] = [];
        await fc
          .assert(
            fc.asyncProperty(requestArbitrary(ctx.doc, op.op), async (req) => {
              const res = await send(ctx, op, who, req);
              sent++;
              byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
              const problems = problemsWith(ctx.doc, op, res);
              if (problems.length > 0) found.push(`${describeRequest(op, who, req)}: ${problems.slice(0, 3).join('; ')}`);
              return problems.length === 0;
            }),
            { numRuns: runs, seed: SEED, endOnFailure: true },
          )
          .catch(() => undefined);
        failures.push(...found.slice(0, 1));
      }
    }
    process.stdout.write(`contract fuzz: ${ops.length} operations, ${sent} requests, statuses ${JSON.stringify(Object.fromEntries([...byStatus].sort()))}\n`);
    expect(failures).toEqual([]);
    // The run must have reached past the guards and the validation, or it proved little.
    expect([...byStatus.keys()].filter((s) => s >= 200 && s < 300).length).toBeGreaterThan(0);
    expect(byStatus.get(404) ?? 0).toBeGreaterThan(0);
  });

  it('answers every body field set to null, past every column, empty or left out, and every parameter at its edges, with a documented status', async () => {
    const failures: string[] = [];
    let sent = 0;
    for (const op of operations(ctx.doc)) {
      // Anonymous callers meet the guard first; the edges matter to those who get past it.
      for (const who of callers(op).filter((w) => w !== 'anonymous' || op.public)) {
        const requests = edgeRequests(ctx.doc, op.op);
        // RolesGuard answers before any input is read: a caller without the role sees nothing of the edges.
        if (requests.length === 0 || (await refusedByRole(ctx, op, who))) continue;
        for (const req of requests) {
          const res = await send(ctx, op, who, req);
          sent++;
          const problems = problemsWith(ctx.doc, op, res);
          if (problems.length > 0) failures.push(`${describeRequest(op, who, req)}: ${problems.slice(0, 3).join('; ')}`);
        }
      }
    }
    process.stdout.write(`contract edges: ${sent} requests\n`);
    expect(failures).toEqual([]);
  });
});
