/**
 * The response shapes of the JSON API as OpenAPI 3.0 schemas. The libs return plain interfaces, not
 * classes, so their shapes are written here once, beside each other, and the contract test
 * (test/api-contract) checks every answer against them: a field renamed in a lib fails that test until
 * the shape here follows. Fields are required unless the lib leaves them out; `nullable` where the lib
 * says `| null`. Objects keep additional properties allowed, so adding a field breaks no client.
 */
type Schema = Record<string, unknown>;

const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const int = (extra: Schema = {}): Schema => ({ type: 'integer', ...extra });
const num: Schema = { type: 'number' };
const bool: Schema = { type: 'boolean' };
const dateTime = str({ format: 'date-time' });
const date = str({ format: 'date' });
const uuid = str({ format: 'uuid' });
const nullable = (schema: Schema): Schema => ({ ...schema, nullable: true });
const arr = (items: Schema): Schema => ({ type: 'array', items });
const map = (values: Schema): Schema => ({ type: 'object', additionalProperties: values });
const anyObject: Schema = { type: 'object', additionalProperties: true };
const oneOf = (...schemas: Schema[]): Schema => ({ oneOf: schemas });
const enumOf = (values: readonly string[]): Schema => str({ enum: [...values] });

/** Every property required unless named in `optional`. */
export function obj(properties: Record<string, Schema>, optional: readonly string[] = []): Schema {
  const required = Object.keys(properties).filter((k) => !optional.includes(k));
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

const ROLE = enumOf(['WORKER', 'COORDINATOR', 'AUDITOR', 'ADMIN']);
const LANGUAGE = enumOf(['lt', 'en']);
const MUNICIPALITY = str({ pattern: '^LT-\\d{2}$' });
/** A count as a viewer may see it: itself, or "<5" for a small one outside the national admin view. */
const SHOWN_COUNT = oneOf(int({ minimum: 0 }), enumOf(['<5']));
const STAT_VALUE = oneOf(int({ minimum: 0 }), enumOf(['<5', '*']));
const RATE_VALUE = nullable(oneOf(int({ minimum: 0, maximum: 100 }), enumOf(['*'])));
const EXTRACT_REF = obj({ register: str(), id: int(), asOf: date });

// access
export const ACTOR = obj({ userId: uuid, username: str(), role: ROLE, municipality: nullable(MUNICIPALITY), scope: enumOf(['national', 'municipal']), language: LANGUAGE });
export const SESSION_VIEW = obj({ actor: ACTOR, method: enumOf(['session', 'token']), csrfToken: nullable(str()), expiresAt: nullable(dateTime) });
export const USER_SUMMARY = obj({
  id: uuid,
  username: str(),
  displayName: str(),
  role: ROLE,
  kind: enumOf(['PERSON', 'SERVICE']),
  municipality: nullable(MUNICIPALITY),
  language: LANGUAGE,
  caseloadLimit: nullable(int({ minimum: 0 })),
  signIn: enumOf(['password', 'oidc', 'none']),
  disabledAt: nullable(dateTime),
  createdAt: dateTime,
  lastSignedInAt: nullable(dateTime),
});
export const UNLOCK_RESULT = obj({ user: USER_SUMMARY, wasLocked: bool });
export const CREATED_USER = obj({ user: USER_SUMMARY, generatedPassword: nullable(str()) });
export const TOKEN_SUMMARY = obj({ id: uuid, name: str(), userId: uuid, createdAt: dateTime, expiresAt: dateTime, revokedAt: nullable(dateTime), lastUsedAt: nullable(dateTime) });
export const CREATED_TOKEN = obj({ id: uuid, token: str({ pattern: '^tlt_' }), name: str(), username: str(), expiresAt: dateTime });

// lawful bases
export const LAWFUL_BASIS = obj({
  id: str(),
  title: str(),
  legalReference: str(),
  gdprArticle6: str(),
  purposes: arr(str()),
  registers: arr(str()),
  validFrom: date,
  validTo: nullable(date),
  article9Condition: nullable(str()),
  article10Authorisation: nullable(str()),
  addedBy: str(),
  addedAt: dateTime,
  retiredValidTo: nullable(date),
  retiredBy: nullable(str()),
  retiredAt: nullable(dateTime),
  effectiveValidTo: nullable(date),
});
export const ADD_LAWFUL_BASIS_RESULT = obj({ status: enumOf(['ADDED', 'UNCHANGED']), entry: LAWFUL_BASIS });
export const RETIRE_LAWFUL_BASIS_RESULT = obj({ status: enumOf(['RETIRED', 'UNCHANGED']), entry: LAWFUL_BASIS });
export const COVERAGE_VERDICT = oneOf(obj({ ok: { type: 'boolean', enum: [true] } }), obj({ ok: { type: 'boolean', enum: [false] }, problems: arr(str()) }));

// audit
const HASH = str({ pattern: '^[0-9a-f]{64}$' });
export const AUDIT_ENTRY = obj({
  seq: int(),
  at: dateTime,
  actor: str(),
  role: str(),
  municipality: nullable(str()),
  action: str(),
  subject: nullable(str()),
  objectType: nullable(str()),
  objectId: nullable(str()),
  purpose: nullable(str()),
  lawfulBasisId: nullable(str()),
  details: anyObject,
  prevHash: nullable(HASH),
  hash: nullable(HASH),
});
export const AUDIT_PAGE = obj({ entries: arr(AUDIT_ENTRY), nextBeforeSeq: nullable(int()) });
const BROKEN_LINK = obj({ seq: int(), reason: str() });
export const AUDIT_VERIFICATION = obj({
  ok: bool,
  entries: int({ minimum: 0 }),
  lastSeq: int(),
  lastHash: str(),
  firstBroken: nullable(BROKEN_LINK),
  brokenLinks: int({ minimum: 0 }),
  gaps: int({ minimum: 0 }),
  unsealed: int({ minimum: 0 }),
  anchorsChecked: int({ minimum: 0 }),
  firstAnchorMismatch: nullable(BROKEN_LINK),
  lastAnchor: nullable(obj({ seq: int(), hash: HASH, anchoredAt: dateTime, matches: bool })),
  head: nullable(obj({ seq: int(), hash: str(), matches: bool })),
  ms: num,
});
export const SUBJECT_LOOKUP = obj({ subject: HASH, pseudonymKeyId: str(), entries: arr(AUDIT_ENTRY), loggedAs: obj({ seq: str() }) });

// criteria and runs
const VERSION_STATUS = enumOf(['DRAFT', 'ACTIVE', 'RETIRED']);
export const CRITERION_VERSION = obj({
  criterionId: str(),
  municipality: nullable(MUNICIPALITY),
  basedOn: nullable(str()),
  version: int({ minimum: 1 }),
  definition: anyObject,
  status: VERSION_STATUS,
  lawfulBasisId: nullable(str()),
  createdBy: str(),
  createdAt: dateTime,
  updatedAt: dateTime,
  activatedBy: nullable(str()),
  activatedAt: nullable(dateTime),
  retiredAt: nullable(dateTime),
});
export const CRITERION_DETAIL = obj({
  id: str(),
  municipality: nullable(MUNICIPALITY),
  basedOn: nullable(str()),
  active: nullable(CRITERION_VERSION),
  draft: nullable(CRITERION_VERSION),
  versions: arr(CRITERION_VERSION),
});
export const CRITERION_SQL = obj({ sql: str() });
export const ACTIVATION_RESULT = obj({ criterionId: str(), version: int({ minimum: 1 }), lawfulBasisId: str(), retiredVersion: nullable(int()) });
const SHOWN_PREVIEW = obj({
  total: SHOWN_COUNT,
  byMunicipality: arr(obj({ municipality: MUNICIPALITY, found: SHOWN_COUNT, adds: SHOWN_COUNT, drops: SHOWN_COUNT })),
  funnel: arr(obj({ label: str(), remaining: SHOWN_COUNT })),
  diff: nullable(obj({ criterionId: str(), activeVersion: int(), adds: SHOWN_COUNT, drops: SHOWN_COUNT })),
});
export const PREVIEW = obj(
  {
    criterionId: str(),
    version: nullable(int()),
    asOf: date,
    extracts: arr(EXTRACT_REF),
    total: int({ minimum: 0 }),
    byMunicipality: arr(obj({ municipality: MUNICIPALITY, found: int(), adds: int(), drops: int() })),
    funnel: arr(obj({ label: str(), remaining: int() })),
    diff: nullable(obj({ criterionId: str(), activeVersion: int(), adds: int(), drops: int() })),
    leftOut: arr(obj({ municipality: MUNICIPALITY, criterionId: str(), version: int() })),
    showsSmallCounts: bool,
    durationMs: num,
    shown: SHOWN_PREVIEW,
  },
  // Raw counts go only to viewers who may see small ones (showsSmallCounts).
  ['total', 'byMunicipality', 'funnel', 'diff'],
);
export const RUN_RECORD = obj({
  id: int({ minimum: 1 }),
  kind: enumOf(['full', 'delta']),
  deltaExtractId: nullable(int({ minimum: 1 })),
  asOf: date,
  criteria: arr(obj({ id: str(), version: int(), lawfulBasisId: str() })),
  extracts: arr(EXTRACT_REF),
  pseudonymKeyId: nullable(str()),
  status: str(),
  refusal: nullable(str()),
  counts: arr(obj({ cohort: str(), version: int(), matched: int(), new: int(), added: int(), suppressed: int(), unchanged: int() })),
  casesCreated: int(),
  casesUpdated: int(),
  casesLapsed: int(),
  startedBy: str(),
  trigger: str(),
  startedAt: dateTime,
  finishedAt: nullable(dateTime),
  durationMs: nullable(num),
});
export const RUN_STARTED = obj({ jobId: str(), asOf: date });

// letters
const LETTER_LANGUAGE = enumOf(['lt', 'ru', 'pl', 'en']);
export const TEMPLATE_VIEW = obj({
  kind: str(),
  language: LETTER_LANGUAGE,
  subject: nullable(str()),
  body: str(),
  source: enumOf(['MUNICIPALITY', 'NATIONAL']),
  version: nullable(int()),
  updatedAt: nullable(dateTime),
});
export const COMPOSED_MESSAGE = obj({ kind: str(), language: LETTER_LANGUAGE, subject: nullable(str()), text: str(), html: nullable(str()) });
export const SENDER_VIEW = obj({
  municipality: MUNICIPALITY,
  municipalityName: str(),
  contactPhone: nullable(str()),
  contactEmail: nullable(str()),
  officeAddress: nullable(str()),
  customised: bool,
});
export const MESSAGE_ROW = obj({
  id: str(),
  caseId: int(),
  municipality: MUNICIPALITY,
  channel: enumOf(['EMAIL', 'SMS']),
  status: str(),
  attempts: int({ minimum: 0 }),
  requestedBy: str(),
  requestedAt: dateTime,
  language: nullable(LETTER_LANGUAGE),
  sentAt: nullable(dateTime),
  failedAt: nullable(dateTime),
  lastError: nullable(str()),
  delivery: enumOf(['QUEUED', 'ACCEPTED', 'DELIVERED', 'BOUNCED', 'FAILED']),
  deliveryAt: nullable(dateTime),
  deliveryReason: nullable(str()),
});

// outreach
const CASE_STATUS = enumOf(['NEW', 'ASSIGNED', 'IN_PROGRESS', 'CLOSED']);
const CASE_SUMMARY_PROPS = {
  id: int({ minimum: 1 }),
  municipality: MUNICIPALITY,
  status: CASE_STATUS,
  outcome: nullable(str()),
  cohorts: arr(str()),
  priority: num,
  windowDate: nullable(date),
  assignedTo: nullable(uuid),
  nextAttemptOn: nullable(date),
  attempts: int({ minimum: 0 }),
  lapsed: nullable(obj({ on: date, reason: nullable(anyObject) })),
  handedOverFrom: nullable(obj({ municipality: MUNICIPALITY, caseId: nullable(int()) })),
  handedOverTo: nullable(MUNICIPALITY),
  createdAt: dateTime,
  closedAt: nullable(dateTime),
  version: int({ minimum: 1 }),
  helpRequestedAt: nullable(dateTime),
};
export const CASE_SUMMARY = obj(CASE_SUMMARY_PROPS);
const QUEUE_ITEM_PROPS = {
  ...CASE_SUMMARY_PROPS,
  ageBand: nullable(str()),
  reasons: arr(obj({ criterionId: str(), criterionVersion: int(), runId: int(), asOf: date, windowDate: nullable(date), reason: anyObject, lawfulBasisId: nullable(str()) })),
  windows: map(nullable(str())),
};
export const DAILY_QUEUE = obj({ date, cases: arr(obj(QUEUE_ITEM_PROPS)), more: bool });
export const REFERRAL_VIEW = obj({
  id: int({ minimum: 1 }),
  caseId: int({ minimum: 1 }),
  serviceId: int({ minimum: 1 }),
  serviceName: str(),
  municipality: MUNICIPALITY,
  serviceKind: str(),
  status: str(),
  rejectReason: nullable(str()),
  note: nullable(str()),
  createdBy: str(),
  createdAt: dateTime,
  updatedAt: dateTime,
  version: int({ minimum: 1 }),
});
export const CASE_DETAIL = obj({
  ...QUEUE_ITEM_PROPS,
  outcomeNote: nullable(str()),
  attemptsLog: arr(
    obj({ id: int(), channel: str(), result: str(), attemptedAt: dateTime, note: nullable(str()), nextAttemptOn: nullable(date), recordedBy: str(), carriedFrom: nullable(str()) }),
  ),
  referrals: arr(REFERRAL_VIEW),
  history: arr(obj({ id: int(), at: dateTime, actor: str(), kind: str(), details: anyObject, carriedFromCase: nullable(int()) })),
  unansweredAttempts: int({ minimum: 0 }),
  unreachableAfterAttempts: int({ minimum: 0 }),
  responses: arr(
    obj({
      id: int({ minimum: 1 }),
      answer: enumOf(['HELP', 'LATER', 'STOP']),
      answeredAt: dateTime,
      kind: enumOf(['LETTER', 'EMAIL', 'SMS']),
      callbackOn: nullable(date),
      callbackTime: nullable(enumOf(['ANY', 'MORNING', 'AFTERNOON', 'EVENING'])),
      phoneGiven: bool,
    }),
  ),
});
const CASE_CHANGE_PROPS = {
  caseId: int({ minimum: 1 }),
  status: CASE_STATUS,
  assignedTo: nullable(uuid),
  nextAttemptOn: nullable(date),
  attempts: int({ minimum: 0 }),
  outcome: nullable(str()),
  version: int({ minimum: 1 }),
};
export const CASE_CHANGE = obj(CASE_CHANGE_PROPS);
export const ATTEMPT_RECORDED = obj({ ...CASE_CHANGE_PROPS, attemptId: int({ minimum: 1 }), unanswered: int({ minimum: 0 }), unreachableAllowed: bool });
export const CLOSED_CASE = obj({
  ...CASE_CHANGE_PROPS,
  handedOver: nullable(obj({ municipality: MUNICIPALITY, caseId: int() })),
  optOut: nullable(obj({ id: int(), otherCasesClosed: int({ minimum: 0 }) })),
});
export const REVEALED_CONTACT = obj({
  caseId: int({ minimum: 1 }),
  givenName: str(),
  familyName: str(),
  phone: nullable(str()),
  email: nullable(str()),
  address: str(),
  postalCode: str(),
  language: str(),
  callbackPhone: nullable(str()),
  revealedAt: dateTime,
  revealsLeftThisHour: int({ minimum: 0 }),
});
export const CASELOAD_BOARD = obj({
  municipality: MUNICIPALITY,
  date,
  workers: arr(
    obj({ userId: uuid, username: str(), displayName: str(), role: str(), caseloadLimit: nullable(int()), open: int({ minimum: 0 }), dueToday: int({ minimum: 0 }), room: nullable(int()) }),
  ),
  backlog: obj({ unassigned: int({ minimum: 0 }), lapsed: int({ minimum: 0 }), byCohort: map(int({ minimum: 0 })), mostUrgentPriority: nullable(num) }),
});
export const AUTO_ASSIGNMENT = obj({
  municipality: MUNICIPALITY,
  assigned: int({ minimum: 0 }),
  backlogLeft: int({ minimum: 0 }),
  workers: arr(obj({ userId: uuid, username: str(), caseloadLimit: int(), before: int(), assigned: int(), after: int() })),
});
export const SERVICE_VIEW = obj({
  id: int({ minimum: 1 }),
  municipality: nullable(MUNICIPALITY),
  kind: str(),
  name: str(),
  description: nullable(str()),
  contact: nullable(str()),
  cohorts: arr(str()),
  active: bool,
  retiredAt: nullable(dateTime),
  version: int({ minimum: 1 }),
  updatedAt: dateTime,
});
const SERVICE_TOKEN_PROPS = { id: uuid, serviceId: int({ minimum: 1 }), name: str(), createdAt: dateTime, expiresAt: dateTime, revokedAt: nullable(dateTime), lastUsedAt: nullable(dateTime) };
export const SERVICE_TOKEN_VIEW = obj(SERVICE_TOKEN_PROPS);
export const CREATED_SERVICE_TOKEN = obj({ ...SERVICE_TOKEN_PROPS, token: str() });
export const PARTNER_LINK = obj({ referralId: int({ minimum: 1 }), path: str(), expiresAt: dateTime });
const REFERRAL_STATUS = enumOf(['SENT', 'ACCEPTED', 'STARTED', 'COMPLETED', 'REJECTED']);
export const PARTNER_REFERRAL = obj({
  id: int({ minimum: 1 }),
  serviceId: int({ minimum: 1 }),
  serviceName: str(),
  serviceKind: str(),
  status: REFERRAL_STATUS,
  rejectReason: nullable(str()),
  createdAt: dateTime,
  updatedAt: dateTime,
  version: int({ minimum: 1 }),
  next: arr(REFERRAL_STATUS),
  steps: arr(obj({ from: nullable(REFERRAL_STATUS), to: REFERRAL_STATUS, rejectReason: nullable(str()), via: str(), at: dateTime })),
});
export const REVEAL_VOLUME = obj({
  from: date,
  to: date,
  revealsPerHourLimit: int({ minimum: 0 }),
  workers: arr(
    obj({
      userId: str(),
      username: nullable(str()),
      municipality: MUNICIPALITY,
      reveals: int({ minimum: 0 }),
      cases: int({ minimum: 0 }),
      notFound: int({ minimum: 0 }),
      peakHour: nullable(str()),
      peakHourReveals: int({ minimum: 0 }),
      lastAt: dateTime,
      flagged: bool,
      why: arr(str()),
    }),
  ),
});
export const OPT_OUT = obj({
  id: int({ minimum: 1 }),
  subject: HASH,
  recordedAt: dateTime,
  recordedBy: str(),
  caseId: nullable(int()),
  withdrawnAt: nullable(dateTime),
  withdrawnBy: nullable(str()),
});
export const OPT_OUT_WITHDRAWN = obj({ id: int({ minimum: 1 }), withdrawn: { type: 'boolean', enum: [true] } });

// extracts
const EXTRACT_SUMMARY = obj({
  id: int({ minimum: 1 }),
  register: str(),
  asOf: date,
  status: str(),
  rows: int({ minimum: 0 }),
  quarantined: int({ minimum: 0 }),
  lawfulBasisId: str(),
  pseudonymKeyId: str(),
  sha256: HASH,
  source: str(),
  reason: nullable(str()),
  createdAt: dateTime,
  delivery: enumOf(['full', 'delta']),
  appliedTo: nullable(int({ minimum: 1 })),
});
export { EXTRACT_SUMMARY };
export const UPLOAD_VIEW = obj({
  id: uuid,
  register: str(),
  status: enumOf(['QUEUED', 'RUNNING', 'DONE', 'FAILED']),
  csvBytes: int({ minimum: 0 }),
  outcome: nullable(anyObject),
  extractId: nullable(int()),
  createdAt: dateTime,
  finishedAt: nullable(dateTime),
});
export const QUARANTINE_LISTING = obj({ extract: EXTRACT_SUMMARY, entries: arr(obj({ line: int({ minimum: 1 }), column: nullable(str()), reason: str() })) });

// statistics
const figure = (value: Schema): Schema => obj({ total: value, byMonth: map(value), byCohort: map(value), cells: map(map(value)) });
export const STATS_REPORT = obj({
  municipality: nullable(MUNICIPALITY),
  from: str({ pattern: '^\\d{4}-\\d{2}$' }),
  to: str({ pattern: '^\\d{4}-\\d{2}$' }),
  cohort: nullable(str()),
  timeZone: enumOf(['Europe/Vilnius']),
  months: arr(str()),
  cohorts: arr(str()),
  cohortChoices: arr(str()),
  seesSmallCounts: bool,
  funnel: map(figure(STAT_VALUE)),
  rates: obj({ contact: figure(RATE_VALUE), reach: figure(RATE_VALUE) }),
  outcomes: map(figure(STAT_VALUE)),
  referrals: map(figure(STAT_VALUE)),
  followUp: oneOf(
    obj({ available: { type: 'boolean', enum: [true] }, lawfulBasisId: str(), extracts: arr(obj({ register: str(), asOf: date })), figures: map(figure(STAT_VALUE)), rates: obj({ any: figure(RATE_VALUE) }) }),
    obj({ available: { type: 'boolean', enum: [false] }, problems: arr(str()) }),
  ),
});

// operations
export const HEALTH = obj({ status: str(), info: anyObject, error: anyObject, details: anyObject }, ['info', 'error']);
export const PING_QUEUED = obj({ jobId: str() });
export const PING_RESULT = obj({ token: str(), processedBy: str(), processedAt: dateTime });

// findings
const FINDINGS_VERSION = obj({
  version: int({ minimum: 1 }),
  notEligible: obj({ rows: arr(obj({ register: str(), count: STAT_VALUE })), total: STAT_VALUE }),
  lapsed: obj({ rows: arr(obj({ register: str(), reason: str(), count: STAT_VALUE })), total: STAT_VALUE }),
});
export const CRITERION_FINDINGS = obj({ criterionId: str(), municipality: nullable(MUNICIPALITY), seesSmallCounts: bool, versions: arr(FINDINGS_VERSION) });
export const DATA_QUALITY_REPORT = obj({
  municipality: nullable(MUNICIPALITY),
  versions: arr(obj({ criterionId: str(), version: int({ minimum: 1 }) })),
  registers: arr(obj({ register: str(), cells: arr(STAT_VALUE), total: STAT_VALUE })),
  totals: arr(STAT_VALUE),
  total: STAT_VALUE,
});

export const listOf = arr;
