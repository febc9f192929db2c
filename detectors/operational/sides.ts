// The two sides every monitor compares: the current window ('cur') and the
// baseline ('ref'), as WHERE clauses with bound parameters, and the pairing of
// their per-(model, version) aggregates afterwards. Model and version names
// are user data: they only ever travel as {name:Type} parameters.
import type { QueryParams } from '../../src/core/store/store.ts';
import { baselineSide, type MonitorContext } from './context.ts';

export type Side = 'cur' | 'ref';
export const SIDES: readonly Side[] = ['cur', 'ref'];

export interface SideFilter {
  /** Boolean SQL over columns model, model_version, ts (optionally qualified by an alias). */
  sql: string;
  params: QueryParams;
}

/** WHERE condition selecting one side's rows of a table with model, model_version and ts. */
export function sideFilter(ctx: MonitorContext, side: Side, alias = ''): SideFilter {
  const col = (c: string) => (alias ? `${alias}.${c}` : c);
  const base = baselineSide(ctx);
  const [start, end] = side === 'cur' ? [ctx.window.start, ctx.window.end] : [base.start, base.end];
  const conds = [`${col('ts')} >= fromUnixTimestamp64Milli({${side}_start:Int64}, 'UTC')`, `${col('ts')} < fromUnixTimestamp64Milli({${side}_end:Int64}, 'UTC')`];
  const params: QueryParams = { [`${side}_start`]: start.getTime(), [`${side}_end`]: end.getTime() };
  if (ctx.model !== undefined) {
    conds.unshift(`${col('model')} = {model:String}`);
    params.model = ctx.model;
  }
  if (side === 'ref' && base.version !== null) {
    conds.push(`${col('model_version')} = {ref_version:String}`);
    params.ref_version = base.version;
  } else if (ctx.version !== undefined) {
    conds.push(`${col('model_version')} = {${side}_version:String}`);
    params[`${side}_version`] = ctx.version;
  } else if (side === 'cur' && base.version !== null) {
    // Every version but the champion is compared with the champion.
    conds.push(`${col('model_version')} != {cur_not_version:String}`);
    params.cur_not_version = base.version;
  }
  return { sql: conds.join(' AND '), params };
}

/**
 * One statement over both sides: `select(where, side)` is called once per side
 * and must put `'<side>' AS side` in its column list; the results are joined
 * with UNION ALL.
 */
export function bothSides(ctx: MonitorContext, select: (where: string, side: Side) => string, alias = ''): { sql: string; params: QueryParams } {
  const parts: string[] = [];
  let params: QueryParams = {};
  for (const side of SIDES) {
    const f = sideFilter(ctx, side, alias);
    parts.push(select(f.sql, side));
    params = { ...params, ...f.params };
  }
  return { sql: parts.join('\nUNION ALL\n'), params };
}

export interface SideKeyed {
  side: Side;
  model: string;
  model_version: string;
}

export interface Pair<T> {
  model: string;
  version: string;
  cur: T[];
  ref: T[];
}

/** A map key for one (model, version). */
export const versionKey = (model: string, version: string): string => `${model}\u0000${version}`;

/**
 * Pairs each (model, version) of the current side with its baseline: the same
 * model and version in the baseline window, or, for a version baseline, the
 * champion's rows of the same model. Keys seen on one side only still get a
 * pair (a version whose traffic vanished, a version that is new).
 */
export function pairSides<T extends SideKeyed>(rows: readonly T[], ctx: MonitorContext): Array<Pair<T>> {
  const versionBaseline = ctx.baseline.kind === 'version';
  const pairs = new Map<string, Pair<T>>();
  const refByModel = new Map<string, T[]>();
  const get = (model: string, version: string): Pair<T> => {
    const k = versionKey(model, version);
    let p = pairs.get(k);
    if (!p) {
      p = { model, version, cur: [], ref: [] };
      pairs.set(k, p);
    }
    return p;
  };
  for (const r of rows) {
    if (r.side === 'cur') get(r.model, r.model_version).cur.push(r);
    else if (versionBaseline) {
      const list = refByModel.get(r.model) ?? [];
      list.push(r);
      refByModel.set(r.model, list);
    } else get(r.model, r.model_version).ref.push(r);
  }
  if (versionBaseline) {
    for (const [model, refs] of refByModel) {
      const mine = [...pairs.values()].filter((p) => p.model === model);
      // A named candidate with no traffic still gets its row (against the champion).
      if (mine.length === 0 && ctx.version !== undefined) mine.push(get(model, ctx.version));
      for (const p of mine) p.ref = refs;
    }
  }
  return [...pairs.values()].sort((a, b) => (a.model === b.model ? (a.version < b.version ? -1 : a.version > b.version ? 1 : 0) : a.model < b.model ? -1 : 1));
}
