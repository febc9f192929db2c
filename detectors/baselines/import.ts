// Imported baselines (e.g. training data): a CSV, JSONL, Parquet or Arrow
// file read by the engine (compare/source.ts loads it into a scratch table)
// and written into baseline_values in the long layout of feature_values, one
// row per (file row, column). A value is 'missing' when docs/statistics.md says so
// (empty, NA/NaN/null/None, JSON null, NaN), 'number' when it parses as a
// finite number, else 'string'. The drift detector reads it with
// `baseline: {type: dataset, name}` for the same model and version.
import { randomUUID } from 'node:crypto';
import type { Store } from '../../src/core/store/store.ts';
import { formatFromPath, type InputFormat } from '../compare/formats.ts';
import { inputError } from '../compare/errors.ts';
import { loadSource } from '../compare/source.ts';
import { categoryExpr, floatCol, missingExpr, QUERY_SETTINGS, tablePrefix } from '../compare/sql.ts';

export interface ImportOptions {
  model: string;
  version: string;
  /** Dataset name. @default 'training' */
  name?: string;
  path: string;
  format?: InputFormat;
  signal?: AbortSignal;
  /** What to record as the dataset's source instead of `path` (an upload's name; a spooled temp file means nothing later). */
  source?: string;
  /**
   * Memory the engine may use for each step of the import. The file is
   * loaded into an in-memory table first, so without a cap a large (or
   * sparse, all-zero) file takes the process's memory with it.
   */
  maxMemoryBytes?: number;
}

export interface BaselineDataset {
  model: string;
  version: string;
  name: string;
  import_id: string;
  rows: number;
  features: string[];
  path: string;
  imported_at: string;
}

/** The store with settings added to every query and command (memory caps for one import). */
function withSettings(store: Store, settings: Record<string, number>): Store {
  return {
    ...store,
    kind: store.kind,
    database: store.database,
    location: store.location,
    client: store.client,
    query: (sql, opts) => store.query(sql, { ...opts, settings: { ...opts?.settings, ...settings } }),
    command: (sql, opts) => store.command(sql, { ...opts, settings: { ...opts?.settings, ...settings } }),
  };
}

export async function importBaseline(store: Store, o: ImportOptions): Promise<BaselineDataset> {
  if (o.maxMemoryBytes !== undefined) store = withSettings(store, { max_memory_usage: o.maxMemoryBytes });
  if (!o.model || !o.version) throw inputError('model and version are required');
  const name = o.name ?? 'training';
  const format = o.format ?? formatFromPath(o.path);
  if (!format) throw inputError(`cannot tell the format of ${o.path} from its name; pass --input-format csv|jsonl|parquet|arrow`);
  const table = `${tablePrefix().replace('dw_compare', 'dw_baseline')}_src`;
  const importId = randomUUID();
  try {
    const src = await loadSource(store, { path: o.path, format, table, label: 'baseline', ...(o.signal ? { signal: o.signal } : {}) });
    if (src.rows === 0) throw inputError(`baseline file ${o.path} has no data rows`);
    const cols = src.columns;
    if (cols.length === 0) throw inputError(`baseline file ${o.path} has no column of numbers or text`);
    // One tuple per column: (name, kind, value_num, value_str); names travel as a bound array.
    const tuples = cols.map((c, k) => {
      const kind = `multiIf(${missingExpr(c.kind, c.index)}, 'missing', isFinite(${floatCol(c.index)}), 'number', 'string')`;
      return `tuple({names:Array(String)}[${k + 1}], ${kind}, if(isFinite(${floatCol(c.index)}), ${floatCol(c.index)}, 0), if(${missingExpr(c.kind, c.index)} OR isFinite(${floatCol(c.index)}), '', ${categoryExpr(c.kind, c.index)}))`;
    });
    await store.command(
      `INSERT INTO baseline_values (model, model_version, dataset, feature, kind, value_num, value_str, import_id)
       SELECT {model:String}, {version:String}, {dataset:String}, t.1, t.2, t.3, t.4, {import_id:String}
       FROM ${src.table} ARRAY JOIN [${tuples.join(', ')}] AS t`,
      { params: { model: o.model, version: o.version, dataset: name, import_id: importId, names: cols.map((c) => c.name) }, settings: QUERY_SETTINGS, ...(o.signal ? { signal: o.signal } : {}) },
    );
    const importedAt = new Date();
    const source = o.source ?? o.path;
    const row = { model: o.model, model_version: o.version, dataset: name, import_id: importId, rows: src.rows, features: cols.map((c) => c.name), path: source, imported_at: importedAt.getTime() };
    await store.insert('baseline_datasets', [row]);
    // Older imports of the same dataset are dropped (readers pick the newest import_id anyway).
    await store
      .command(`DELETE FROM baseline_values WHERE model = {model:String} AND model_version = {version:String} AND dataset = {dataset:String} AND import_id != {import_id:String}`, {
        params: { model: o.model, version: o.version, dataset: name, import_id: importId },
      })
      .catch(() => undefined);
    return { model: o.model, version: o.version, name, import_id: importId, rows: src.rows, features: row.features, path: source, imported_at: importedAt.toISOString() };
  } finally {
    await store.command(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  }
}

/** Every dataset's newest import, ordered by model, version and name; a page of them with limit/offset. */
export async function listBaselines(store: Store, page: { limit?: number; offset?: number } = {}): Promise<BaselineDataset[]> {
  const rows = await store.query<{ model: string; model_version: string; dataset: string; last_import: string; last_rows: string; last_features: string[]; last_path: string; last_at: number | string }>(
    `SELECT model, model_version, dataset, argMax(import_id, imported_at) AS last_import, toString(argMax(rows, imported_at)) AS last_rows,
            argMax(features, imported_at) AS last_features, argMax(path, imported_at) AS last_path, toUnixTimestamp64Milli(max(imported_at)) AS last_at
     FROM baseline_datasets GROUP BY model, model_version, dataset ORDER BY model, model_version, dataset
     ${page.limit === undefined ? '' : 'LIMIT {limit:UInt32} OFFSET {offset:UInt32}'}`,
    page.limit === undefined ? undefined : { params: { limit: page.limit, offset: page.offset ?? 0 } },
  );
  return rows.map((r) => ({
    model: r.model,
    version: r.model_version,
    name: r.dataset,
    import_id: r.last_import,
    rows: Number(r.last_rows),
    features: r.last_features,
    path: r.last_path,
    imported_at: new Date(Number(r.last_at)).toISOString(),
  }));
}
