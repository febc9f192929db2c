// The daemon path of the differential tests: one table logged as prediction
// events (through the ingest encoder, as HTTP ingest does) into two windows of
// a temporary store, the drift detector run over them, and its score rows
// held to the reference's JSON reading of the same events.
import { driftThresholdsSchema } from '../../../detectors/drift/config.ts';
import { runDrift } from '../../../detectors/drift/detector.ts';
import { encodePrediction, HTTP_TAIL, INSERT_SETTINGS } from '../../../src/ingest/encode.ts';
import { isRejection } from '../../../src/ingest/reasons.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { checkScoreRows } from './check.ts';
import { referenceFeature } from './stats.ts';
import { buildTable, type LVal, type TableSpec } from './tables.ts';
import { jsonCell, MISSING, type Cell } from './values.ts';

const H = 3_600_000;
const T = Date.parse('2026-03-02T00:00:00Z');
let model = 0;

const asJson = (v: LVal): unknown => (v.t === 'num' ? v.v : v.t === 'str' ? v.s : v.t === 'bool' ? v.b : null);

/** Every disagreement of the drift detector with the reference on one table (reference = previous hour, current = this hour). */
export async function daemonDisagreements(store: Store, spec: TableSpec, exactLimit?: number): Promise<string[]> {
  const t = buildTable(spec);
  const name = `m${++model}_${spec.seed}`;
  const lines: string[] = [];
  const cells: Record<'ref' | 'cur', Cell[][]> = { ref: t.names.map(() => []), cur: t.names.map(() => []) };
  for (const side of ['ref', 'cur'] as const) {
    const n = side === 'ref' ? spec.nRef : spec.nCur;
    const start = side === 'ref' ? T - H : T;
    for (let i = 0; i < n; i++) {
      const features: Record<string, unknown> = {};
      t.names.forEach((f, j) => {
        const v = (side === 'ref' ? t.ref : t.cur)[j]?.[i];
        // A column missing on a side: its events do not carry it.
        if (v === undefined || v.t === 'absent') {
          cells[side][j]!.push(MISSING);
          return;
        }
        features[f] = asJson(v);
        // The value as the reference reads it from the event's JSON (numbers as JSON writes them).
        cells[side][j]!.push(v.t === 'num' && !Number.isFinite(v.v) ? MISSING : jsonCell(asJson(v)));
      });
      const ev = { event_id: `${name}-${side}-${i}`, ts: new Date(start + Math.floor((i * H) / n)).toISOString(), model: name, model_version: 'v1', features };
      const line = encodePrediction(ev, { maxFeatures: 1000, maxStringLength: 10_000 }, HTTP_TAIL);
      if (isRejection(line)) throw new Error(`event refused: ${line.message}`);
      lines.push(line);
    }
  }
  await store.insertRaw('predictions', 'JSONEachRow', lines.join('\n') + '\n', { settings: INSERT_SETTINGS });
  const rows = await runDrift(
    store,
    { name: 'diff', baseline: { type: 'previous' }, thresholds: driftThresholdsSchema.parse({}), minSamples: 1, metrics: ['features', 'missing'], models: [name], ...(exactLimit !== undefined ? { exactLimit } : {}) },
    { runId: 'r', runAt: new Date(), window: { start: new Date(T), end: new Date(T + H) } },
  );
  const bad: string[] = [];
  t.names.forEach((f, j) => {
    // The detector lists a feature when some event of either window carries it.
    const carried = [...t.ref[j]!, ...t.cur[j]!].some((v) => v.t !== 'absent');
    if (!carried) return;
    bad.push(...checkScoreRows(rows, f, referenceFeature(f, cells.ref[j]!, cells.cur[j]!), { large: true }));
  });
  return bad;
}
