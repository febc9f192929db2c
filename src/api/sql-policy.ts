// What read-only SQL (POST /v1/sql, `driftwatch sql`) may touch. The guard
// (sql-guard.ts) checks every query's syntax tree, as the engine's own parser
// built it, against these lists; anything not listed is refused.

/** driftwatch's tables, readable by name (unqualified or as <database>.<name>). */
export const SQL_TABLES: Readonly<Record<string, string>> = {
  predictions: 'one row per prediction event',
  feature_values: 'the long (feature, value) layout the detectors scan',
  labels: 'ground truth, newest per event wins',
  label_arrivals: 'label arrival counts per model and day',
  drift_scores: 'every detector score',
  detector_runs: 'every detector run',
  baseline_datasets: 'imported baseline datasets',
  baseline_values: 'the values of imported baselines',
  alert_state: 'the newest state of every alert',
  alert_events: 'alert transitions',
  alert_silences: 'silences',
  alert_notification_log: 'what each receiver was last told',
  alert_outbox: 'retrain and rollback webhooks and their delivery state',
  alert_version_health: 'per-run health of each model version (rollback targets)',
  gate_decisions: 'every rollout gate verdict with its checks',
  estimated_calibrations: 'calibration artifacts of estimated quality (CBPE), versioned',
  version_lifetimes: 'first and last sighting of each model version',
  current_scores: 'view: the scores of each window from its newest run (re-scored windows supersede)',
};

/** Tables in driftwatch's database that SQL may not read, and why (a test checks every migration table is in one list). */
export const SQL_INTERNAL_TABLES: Readonly<Record<string, string>> = {
  schema_migrations: 'bookkeeping of applied migrations',
  scheduler_leases: 'leader election between replicas (before instance_leases)',
  instance_leases: 'which instance owns each role (scheduler, outbox, metrics), with fencing tokens',
  ingest_intents: 'Kafka inserts in flight, announced for a partition\'s next owner (several instances)',
  feature_values_mv: 'materialized view: its rows are read from feature_values',
  label_arrivals_mv: 'materialized view: its rows are read from label_arrivals',
  version_lifetimes_mv: 'materialized view: its rows are read from version_lifetimes',
};

/** The few system tables SQL may read: schema discovery, nothing about other queries, users or the host. */
export const SQL_SYSTEM_TABLES: Readonly<Record<string, string>> = {
  'system.one': 'a single row, for SELECT without data',
  'system.tables': 'which tables exist (names, engines, sizes)',
  'system.columns': 'the columns of each table',
};

/**
 * Functions refused although the engine has them (system.functions), each
 * with the reason. A rule matches a function's name or the name it is an
 * alias of; `category` rules match system.functions.categories.
 */
export interface DenyRule {
  names?: readonly string[];
  pattern?: RegExp;
  categories?: readonly string[];
  reason: string;
}

export const SQL_DENIED_FUNCTIONS: readonly DenyRule[] = [
  { names: ['file', 'catboostEvaluate', 'naiveBayesClassifier', 'naiveBayesClassifierWithProb', 'naiveBayesClassifierWithAllProbs'], reason: 'reads files on the host' },
  { categories: ['AI'], reason: 'calls out over the network' },
  { names: ['joinGet', 'joinGetOrNull', 'hasColumnInTable'], categories: ['Dictionary', 'Embedded Dictionary'], reason: 'reads tables or dictionaries by name, past the table allowlist' },
  {
    names: [
      'getSetting', 'getSettingOrDefault', 'getServerSetting', 'getMergeTreeSetting', 'getMacro', 'getServerPort', 'tcpPort', 'getClientHTTPHeader', 'showCertificate',
      'currentUser', 'authenticatedUser', 'currentRoles', 'enabledRoles', 'defaultRoles', 'currentProfiles', 'enabledProfiles', 'defaultProfiles',
      'hostName', 'FQDN', 'displayName', 'uptime', 'serverUUID', 'buildId', 'version', 'revision', 'chdb', 'getOSKernelVersion',
      'filesystemAvailable', 'filesystemCapacity', 'filesystemUnreserved', 'zookeeperSessionUptime', 'connectionId', 'connectionID',
      'queryID', 'currentQueryID', 'initialQueryID', 'initialQueryStartTime', 'globalVariable', 'hasThreadFuzzer',
      'transactionID', 'transactionLatestSnapshot', 'transactionOldestSnapshot',
    ],
    reason: 'reveals the host, the server, its settings, users or other queries',
  },
  { names: ['generateSerialID'], reason: 'writes to Keeper' },
  { names: ['sleep', 'sleepEachRow', 'fuzzQuery'], reason: 'stalls or fuzzes instead of reading' },
  { categories: ['Introspection'], reason: 'introspects the server process' },
  { categories: ['Internal'], pattern: /^_|IgnoreSet$/, reason: 'internal to the engine' },
];

/**
 * Names the parser writes as functions that system.functions does not list
 * (or lists as internal) but that are plain SQL: lambdas, EXISTS (subquery),
 * CASE x WHEN ... (caseWithExpression).
 */
export const SQL_SYNTAX_FUNCTIONS: ReadonlySet<string> = new Set(['lambda', 'exists', 'caseWithExpression']);

/** Aggregate function combinators (system.aggregate_function_combinators), stripped from the end of a name. */
export const SQL_AGGREGATE_COMBINATORS: readonly string[] = [
  'SimpleState', 'MergeState', 'OrDefault', 'OrNull', 'Distinct', 'Resample', 'ForEach', 'ArgMax', 'ArgMin', 'State', 'Merge', 'Array', 'Tuple', 'Map', 'If',
];

/**
 * Syntax-tree nodes a read-only SELECT is made of (EXPLAIN AST names).
 * Anything else (Set: a SETTINGS clause; QueryParameter; EXPLAIN, INSERT,
 * KILL, SYSTEM, ... statements) is refused. ColumnsApplyTransformer
 * (`* APPLY(f)`) is left out on purpose: the dump does not show the
 * function it applies, so it could call any of them.
 */
export const SQL_AST_NODES: ReadonlySet<string> = new Set([
  'SelectWithUnionQuery', 'SelectIntersectExceptQuery', 'SelectQuery', 'ExpressionList', 'Identifier', 'Function', 'Literal',
  'Asterisk', 'QualifiedAsterisk', 'ColumnsRegexpMatcher', 'ColumnsListMatcher', 'QualifiedColumnsRegexpMatcher', 'QualifiedColumnsListMatcher',
  'ColumnsTransformerList', 'ColumnsExceptTransformer', 'ColumnsReplaceTransformer', 'ColumnsReplaceTransformer::Replacement',
  'TablesInSelectQuery', 'TablesInSelectQueryElement', 'TableExpression', 'TableIdentifier', 'TableJoin', 'ArrayJoin', 'Subquery', 'WithElement',
  'OrderByElement', 'InterpolateElement', 'WindowDefinition', 'WindowListElement', 'SampleRatio',
]);

/** Functions whose second argument may name a table or a set (`x IN t`). */
export const SQL_IN_FUNCTIONS: ReadonlySet<string> = new Set(['in', 'notIn', 'globalIn', 'globalNotIn', 'nullIn', 'notNullIn', 'globalNullIn', 'globalNotNullIn']);

/** One row of system.functions, as far as the policy reads it. */
export interface EngineFunction {
  name: string;
  is_aggregate: number;
  case_insensitive: number;
  alias_to: string;
  categories: string;
}

/** Why a function of the engine is refused, or null when it is allowed. */
export function denyReason(f: EngineFunction, byName: ReadonlyMap<string, EngineFunction>): string | null {
  const target = f.alias_to ? byName.get(f.alias_to) : undefined;
  // An alias is judged by its own name, the name it points to, and that function's category.
  const names = [f.name, f.alias_to].filter(Boolean).map((n) => n.toLowerCase());
  const categories = [f.categories, target?.categories ?? ''].filter(Boolean);
  for (const rule of SQL_DENIED_FUNCTIONS) {
    if (rule.names?.some((n) => names.includes(n.toLowerCase()))) return rule.reason;
    if (rule.pattern && [f.name, f.alias_to].some((n) => n && rule.pattern!.test(n))) return rule.reason;
    if (rule.categories?.some((c) => categories.includes(c))) return rule.reason;
  }
  return null;
}
