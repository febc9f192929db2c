// SQL the dashboard shows next to a feature's scores: one query that reads
// the stored score rows, and one that recomputes the scores from the raw
// values (feature_values, baseline_values, predictions) as docs/statistics.md
// defines them: bin counts on the reference deciles, PSI with zero shares
// replaced by 1e-4, the Jensen-Shannon distance (base 2), KS's D and the
// Wasserstein distance from the merged ECDF walk, chi-square for categories,
// and the missing shares. Both are meant to be pasted into `driftwatch sql`
// or POST /v1/sql, which take no bound parameters, so every value is written
// as a literal (model, version and feature names are user data: quoted with
// every backslash, quote and control character escaped).
//
// KS's D and the Wasserstein distance match the stored score exactly when the
// detector computed them exactly (both sides together at most exact_limit
// values); above that the detector's figure is within its reported bound.

/** A ClickHouse string literal for any text. */
export function quote(s: string): string {
  // eslint-disable-next-line no-control-regex
  const body = s.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `'${body}'`;
}

/** A DateTime64(3, 'UTC') literal from an ISO time or a ClickHouse 'YYYY-MM-DD HH:MM:SS.mmm' string. */
export function timeLiteral(t: string): string {
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t.replace(' ', 'T')}Z`);
  if (!Number.isFinite(ms)) throw new Error(`not a time: ${t}`);
  return `toDateTime64(${quote(new Date(ms).toISOString().replace('T', ' ').replace('Z', ''))}, 3, 'UTC')`;
}

export interface ScoreSelector {
  runId: string;
  model: string;
  version: string;
  feature: string;
}

/** The stored score rows of one feature in one run. */
export function storedScoresSql(s: ScoreSelector): string {
  return [
    'SELECT metric, value, p_value, threshold, status, n_ref, n_cur, baseline, window_start, window_end',
    'FROM drift_scores',
    `WHERE run_id = ${quote(s.runId)} AND model = ${quote(s.model)} AND model_version = ${quote(s.version)}`,
    `  AND segment = '' AND feature = ${quote(s.feature)}`,
    'ORDER BY metric',
  ].join('\n');
}

export interface ReproduceInput {
  model: string;
  version: string;
  feature: string;
  /** 'numeric' or 'categorical', as the detector typed the feature. */
  type: 'numeric' | 'categorical';
  windowStart: string;
  windowEnd: string;
  /** drift_scores.baseline: previous | range:FROM/TO | version:V | dataset:NAME */
  baseline: string;
}

interface Side {
  /** FROM ... WHERE ... selecting the feature's rows (without the kind filter). */
  values: string;
  /** The side's event count (the missing shares' denominator). */
  events: string;
}

function liveSide(model: string, version: string, feature: string, start: string, end: string): Side {
  const who = `model = ${quote(model)} AND model_version = ${quote(version)}`;
  const when = `ts >= ${timeLiteral(start)} AND ts < ${timeLiteral(end)}`;
  return {
    values: `FROM feature_values WHERE ${who} AND feature = ${quote(feature)} AND ${when}`,
    events: `SELECT count() FROM predictions WHERE ${who} AND ${when}`,
  };
}

/** The reference side of a baseline label, or null when it cannot be written as SQL. */
export function referenceSide(r: ReproduceInput): Side | null {
  const b = r.baseline;
  if (b === 'previous') {
    const len = Date.parse(isoOf(r.windowEnd)) - Date.parse(isoOf(r.windowStart));
    const start = new Date(Date.parse(isoOf(r.windowStart)) - len).toISOString();
    return liveSide(r.model, r.version, r.feature, start, r.windowStart);
  }
  if (b.startsWith('version:')) return liveSide(r.model, b.slice('version:'.length), r.feature, r.windowStart, r.windowEnd);
  if (b.startsWith('range:')) {
    const [from, to] = b.slice('range:'.length).split('/');
    if (!from || !to) return null;
    return liveSide(r.model, r.version, r.feature, from, to);
  }
  if (b.startsWith('dataset:')) {
    const ds = `model = ${quote(r.model)} AND model_version = ${quote(r.version)} AND dataset = ${quote(b.slice('dataset:'.length))}`;
    const imp = `(SELECT argMax(import_id, imported_at) FROM baseline_datasets WHERE ${ds})`;
    return {
      values: `FROM baseline_values WHERE ${ds} AND import_id = ${imp} AND feature = ${quote(r.feature)}`,
      events: `SELECT argMax(rows, imported_at) FROM baseline_datasets WHERE ${ds}`,
    };
  }
  return null;
}

function isoOf(t: string): string {
  return /[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t.replace(' ', 'T')}Z`;
}

const DECILES = '0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9';
const SHARE = (x: string): string => `if(${x} = 0, 1e-4, ${x})`;

/** One SELECT recomputing the feature's scores from the raw values; null for a baseline it cannot express. */
export function reproduceSql(r: ReproduceInput): string | null {
  const ref = referenceSide(r);
  if (!ref) return null;
  const cur = liveSide(r.model, r.version, r.feature, r.windowStart, r.windowEnd);
  const both = `(SELECT 'ref' AS side, v FROM ref UNION ALL SELECT 'cur' AS side, v FROM cur)`;
  const psi = `(SELECT sum((${SHARE('pc')} - ${SHARE('pr')}) * ln(${SHARE('pc')} / ${SHARE('pr')})) FROM p)`;
  const js = `(SELECT sqrt(greatest(0, (sumIf(pr * log2(2 * pr / (pr + pc)), pr > 0) + sumIf(pc * log2(2 * pc / (pr + pc)), pc > 0)) / 2)) FROM p)`;
  const missing = [
    `  1 - (SELECT count() FROM ref) / (${ref.events}) AS missing_ref,`,
    `  1 - (SELECT count() FROM cur) / (${cur.events}) AS missing_cur,`,
    `  missing_cur - missing_ref AS missing_share_delta`,
  ];
  if (r.type === 'numeric') {
    const values = (s: Side): string => `SELECT value_num AS v ${s.values} AND kind = 'number' AND isFinite(value_num)`;
    return [
      `-- ${r.feature} of ${r.model}/${r.version}: window ${isoOf(r.windowStart)} .. ${isoOf(r.windowEnd)} against ${r.baseline}`,
      'WITH',
      `  ref AS (${values(ref)}),`,
      `  cur AS (${values(cur)}),`,
      `  edges AS (SELECT arrayDistinct(quantilesExactInclusive(${DECILES})(v)) AS e FROM ref),`,
      `  bins AS (SELECT arrayCount(x -> x < v, (SELECT e FROM edges)) AS b, countIf(side = 'ref') AS r, countIf(side = 'cur') AS c FROM ${both} GROUP BY b),`,
      `  p AS (SELECT b, r / (SELECT count() FROM ref) AS pr, c / (SELECT count() FROM cur) AS pc FROM bins),`,
      `  walk AS (SELECT v, sum(r) OVER w AS cr, sum(c) OVER w AS cc, sum(r) OVER () AS nr, sum(c) OVER () AS nc,`,
      `                  leadInFrame(v, 1, v) OVER (ORDER BY v ASC ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next_v`,
      `           FROM (SELECT v, countIf(side = 'ref') AS r, countIf(side = 'cur') AS c FROM ${both} GROUP BY v)`,
      `           WINDOW w AS (ORDER BY v ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))`,
      'SELECT',
      '  (SELECT count() FROM ref) AS n_ref,',
      '  (SELECT count() FROM cur) AS n_cur,',
      `  ${psi} AS psi,`,
      `  ${js} AS js,`,
      '  (SELECT max(abs(cr / nr - cc / nc)) FROM walk) AS ks_d,',
      '  (SELECT sum(abs(cr / nr - cc / nc) * (next_v - v)) FROM walk) AS wasserstein,',
      ...missing,
    ].join('\n');
  }
  // Categories: strings and booleans as stored, numbers (mixed features) as their text.
  const values = (s: Side): string => `SELECT if(kind = 'number', toString(value_num), toString(value_str)) AS v ${s.values} AND kind != 'missing'`;
  const expected = (side: string, n: string): string => `(r + c) * (SELECT count() FROM ${side}) / ${n}`;
  const N = '((SELECT count() FROM ref) + (SELECT count() FROM cur))';
  return [
    `-- ${r.feature} of ${r.model}/${r.version}: window ${isoOf(r.windowStart)} .. ${isoOf(r.windowEnd)} against ${r.baseline}`,
    'WITH',
    `  ref AS (${values(ref)}),`,
    `  cur AS (${values(cur)}),`,
    `  cats AS (SELECT v, countIf(side = 'ref') AS r, countIf(side = 'cur') AS c FROM ${both} GROUP BY v),`,
    `  p AS (SELECT v, r / (SELECT count() FROM ref) AS pr, c / (SELECT count() FROM cur) AS pc FROM cats)`,
    'SELECT',
    '  (SELECT count() FROM ref) AS n_ref,',
    '  (SELECT count() FROM cur) AS n_cur,',
    `  ${psi} AS psi,`,
    `  ${js} AS js,`,
    `  (SELECT sum(pow(r - ${expected('ref', N)}, 2) / (${expected('ref', N)}) + pow(c - ${expected('cur', N)}, 2) / (${expected('cur', N)})) FROM cats) AS chi2,`,
    `  (SELECT countIf(r = 0) FROM cats) AS new_categories,`,
    ...missing,
  ].join('\n');
}
