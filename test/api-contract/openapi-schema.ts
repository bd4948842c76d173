import fc from 'fast-check';

/**
 * The subset of OpenAPI 3.0 schemas the Tiltas document uses, read two ways: a checker that says where a
 * value breaks a schema, and fast-check arbitraries that make values a schema accepts and values just
 * outside it. Written here rather than taken from a JSON-schema library because OpenAPI 3.0 is not quite
 * JSON Schema (`nullable`, references into the document's components), and the subset is small.
 */
export interface Schema {
  $ref?: string;
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';
  nullable?: boolean;
  enum?: unknown[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema>; securitySchemes?: Record<string, unknown> };
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface MediaType {
  schema?: Schema;
}

export interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, { description?: string; content?: Record<string, MediaType> }>;
  security?: Array<Record<string, string[]>>;
}

export function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  let current = schema;
  for (let hops = 0; current.$ref !== undefined; hops++) {
    const name = /^#\/components\/schemas\/(.+)$/.exec(current.$ref)?.[1];
    const target = name === undefined ? undefined : doc.components?.schemas?.[name];
    if (!target || hops > 20) throw new Error(`unresolvable $ref ${current.$ref}`);
    current = target;
  }
  return current;
}

const FORMATS: Record<string, RegExp> = {
  date: /^\d{4}-\d{2}-\d{2}$/,
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Every place `value` breaks `schema`, as "path: problem"; empty when it conforms. */
export function check(doc: OpenApiDocument, given: Schema, value: unknown, at = '$'): string[] {
  const schema = resolve(doc, given);
  if (value === null) return schema.nullable || (schema.enum?.includes(null) ?? false) ? [] : [`${at}: null where the schema is not nullable`];
  const problems: string[] = [];
  if (schema.allOf) for (const part of schema.allOf) problems.push(...check(doc, part, value, at));
  for (const [key, alternatives] of [['oneOf', schema.oneOf], ['anyOf', schema.anyOf]] as const) {
    if (!alternatives) continue;
    const matching = alternatives.filter((alt) => check(doc, alt, value, at).length === 0).length;
    if (matching === 0 || (key === 'oneOf' && matching > 1)) problems.push(`${at}: matches ${matching} of the ${key} alternatives`);
  }
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  const actual = typeOf(value);
  if (schema.type) {
    const fits = schema.type === actual || (schema.type === 'number' && actual === 'integer');
    if (!fits) return [...problems, `${at}: ${actual} where the schema says ${schema.type}`];
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${at}: ${value} < minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${at}: ${value} > maximum ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${at}: longer than ${schema.maxLength}`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) problems.push(`${at}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
    const format = schema.format ? FORMATS[schema.format] : undefined;
    if (format && !format.test(value)) problems.push(`${at}: ${JSON.stringify(value)} is not a ${schema.format}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) problems.push(`${at}: more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((item, i) => problems.push(...check(doc, schema.items!, item, `${at}[${i}]`)));
  }
  if (actual === 'object') {
    const record = value as Record<string, unknown>;
    for (const name of schema.required ?? []) if (!(name in record)) problems.push(`${at}.${name}: required but missing`);
    for (const [name, v] of Object.entries(record)) {
      const declared = schema.properties?.[name];
      if (declared) problems.push(...check(doc, declared, v, `${at}.${name}`));
      else if (schema.additionalProperties === false) problems.push(`${at}.${name}: not a declared property`);
      else if (typeof schema.additionalProperties === 'object') problems.push(...check(doc, schema.additionalProperties, v, `${at}.${name}`));
    }
  }
  return problems;
}

/** Values that break most schemas in the ways real clients and attackers do. */
export const hostileJson: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  null,
  true,
  0,
  -1,
  1.5,
  2_147_483_648,
  9_223_372_036_854_775_808,
  1e21,
  -1e21,
  '',
  ' ',
  '1e10',
  '2147483648',
  '9223372036854775808',
  'null',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  'ž'.repeat(3000),
  [],
  [null],
  {},
  { $ne: null },
);

/** Path and query strings a schema does not ask for: numbers past every column, exponents, traversal, junk. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '0',
    '-1',
    '01',
    '1.5',
    '1e10',
    '1e21',
    '2147483647',
    '2147483648',
    '9007199254740992',
    '9223372036854775807',
    '9223372036854775808',
    '99999999999999999999999',
    'NaN',
    'Infinity',
    'null',
    'true',
    '..',
    '%',
    "'; DROP TABLE cases; --",
    'ąčęėįšųūž',
    'x'.repeat(1200),
  ),
  fc.string({ maxLength: 40 }),
);

const INT32_MAX = 2_147_483_647;

function integer(schema: Schema): fc.Arbitrary<number> {
  const min = schema.minimum ?? -1000;
  const max = schema.maximum ?? INT32_MAX;
  const edges = [min, max].filter((n) => Number.isSafeInteger(n));
  const narrow = fc.integer({ min: Math.max(min, -INT32_MAX), max: Math.min(max, INT32_MAX) });
  // Rows the fixture made have small ids: aim there often, or nothing but 404s are ever seen.
  const small = fc.integer({ min, max: Math.min(max, min + 9) });
  return fc.oneof({ arbitrary: small, weight: 3 }, { arbitrary: narrow, weight: 2 }, { arbitrary: fc.constantFrom(...edges), weight: 1 });
}

function string(schema: Schema): fc.Arbitrary<string> {
  if (schema.format === 'date') return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  if (schema.format === 'date-time') return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString());
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'binary') return fc.string({ maxLength: 200 });
  if (schema.pattern) {
    const re = new RegExp(schema.pattern);
    return fc.stringMatching(re).filter((s) => s.length <= (schema.maxLength ?? 300) && s.length >= (schema.minLength ?? 0));
  }
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 60, 60) });
}

/** Values `schema` accepts (as far as this subset can say). */
export function validValue(doc: OpenApiDocument, given: Schema, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(doc, given);
  const base = ((): fc.Arbitrary<unknown> => {
    if (schema.enum) return fc.constantFrom(...schema.enum);
    const alternatives = schema.oneOf ?? schema.anyOf;
    if (alternatives) return fc.oneof(...alternatives.map((alt) => validValue(doc, alt, depth + 1)));
    if (schema.allOf) return validValue(doc, Object.assign({}, ...schema.allOf.map((p) => resolve(doc, p))) as Schema, depth + 1);
    switch (schema.type) {
      case 'integer':
        return integer(schema);
      case 'number':
        return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
      case 'boolean':
        return fc.boolean();
      case 'string':
        return string(schema);
      case 'array':
        return depth > 4 ? fc.constant([]) : fc.array(validValue(doc, schema.items ?? {}, depth + 1), { minLength: schema.minItems ?? 0, maxLength: Math.max(schema.minItems ?? 0, 3) });
      case 'object':
        return validObject(doc, schema, depth);
      default:
        return depth > 2 ? fc.constant(null) : fc.jsonValue({ maxDepth: 2 });
    }
  })();
  return schema.nullable ? fc.oneof({ arbitrary: base, weight: 4 }, { arbitrary: fc.constant(null), weight: 1 }) : base;
}

function validObject(doc: OpenApiDocument, schema: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  if (depth > 4 || !schema.properties) return fc.constant({});
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(schema.properties).map(([name, s]) => [name, validValue(doc, s, depth + 1)] as const);
  return fc.record(Object.fromEntries(entries), { requiredKeys: [...required].filter((k) => k in schema.properties!) }) as fc.Arbitrary<Record<string, unknown>>;
}

/**
 * Mostly valid, sometimes not: each field is replaced now and then by a hostile value, left out though
 * required, or joined by a field the schema does not declare. The server must answer all of it with a
 * documented status, never a 5xx.
 */
export function fuzzValue(doc: OpenApiDocument, given: Schema, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(doc, given);
  if (schema.type === 'object' && schema.properties && depth < 3) {
    const entries = Object.entries(schema.properties).map(([name, s]) => [name, fc.option(fuzzValue(doc, s, depth + 1), { freq: 6, nil: undefined })] as const);
    const record = fc.record(Object.fromEntries(entries)).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));
    const withExtra = fc.tuple(record, fc.constantFrom('unexpected', '__proto__', 'constructor'), hostileJson).map(([r, k, v]) => ({ ...r, [k]: v }));
    return fc.oneof({ arbitrary: validValue(doc, schema, depth), weight: 6 }, { arbitrary: record, weight: 6 }, { arbitrary: withExtra, weight: 1 }, { arbitrary: hostileJson, weight: 1 });
  }
  // null on its own weight: an optional field sent as null is what clients do most, and what code that
  // only checks for undefined trips over.
  return fc.oneof({ arbitrary: validValue(doc, schema, depth), weight: 4 }, { arbitrary: hostileJson, weight: 1 }, { arbitrary: fc.constant(null), weight: 1 });
}

/**
 * A path or query value: what the schema accepts, as text, or text it does not. `known` are values that
 * name real rows (a criterion id, a register): a free-form string id is otherwise never one that exists.
 */
export function fuzzText(doc: OpenApiDocument, schema: Schema | undefined, known: readonly string[] = []): fc.Arbitrary<string> {
  const valid = validValue(doc, schema ?? { type: 'string' }).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  const free = known.length > 0 && isFreeText(doc, schema);
  return fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: hostileText, weight: 1 }, ...(free ? [{ arbitrary: fc.constantFrom(...known), weight: 3 }] : []));
}

/** A plain string schema: no enum, format or pattern that says what its values look like. */
export function isFreeText(doc: OpenApiDocument, schema: Schema | undefined): boolean {
  const s = schema ? resolve(doc, schema) : { type: 'string' as const };
  return s.type === 'string' && !s.enum && !s.format && !s.pattern;
}
