// Calibration artifacts in estimated_calibrations (sql/070): what one fit on
// a labelled reference range produced, for one job, model and version. A
// fit is written once with the next artifact version; a run reads the
// newest artifact fitted on the job's current reference range and fits a
// new one only when there is none (the reference changed, or it is new).
import type { Store } from '../../src/core/store/store.ts';
import { asBits, floatBits, floatFromBits } from '../compare/sql.ts';
import type { Calibrator } from './calibrate.ts';
import type { AucSums, ClassifierTask, ConfusionSums } from './metrics.ts';

export type EstimationTask = ClassifierTask | 'regression';

export interface ArtifactKey {
  /** The job's name. */
  detector: string;
  model: string;
  version: string;
  referenceFrom: Date;
  referenceTo: Date;
}

export interface ClassCalibration extends Omit<Calibrator, 'method'> {
  cls: string;
  /** A calibration method, or residual_bins for a regressor. */
  method: Calibrator['method'] | 'residual_bins';
  /** Labelled reference rows the calibrator was fitted on, and how many were of the class (Σ for regression: mean |residual| × n). */
  nRef: number;
  positives: number;
  /** Held-out Brier score per candidate (auto), or null. */
  cvBrier: Record<string, number> | null;
}

/** What a classifier's estimation and its band need from the labelled reference. */
export interface ClassifierReference {
  task: ClassifierTask;
  classes: string[];
  positive?: string | undefined;
  negative?: string | undefined;
  confusion: ConfusionSums;
  auc: AucSums[];
  /** Realized metrics on the reference (accuracy, precision, ..., roc_auc). */
  values: Record<string, number | null>;
  /** The estimates on the reference itself, as a check of the fit. */
  estimates: Record<string, number | null>;
}

/** Regression: per prediction bin, the reference's residual statistics. */
export interface RegressionReference {
  task: 'regression';
  n: number[];
  mae: number[];
  mse: number[];
  /** Variance of |residual| and of residual² per bin (the band). */
  varAbs: number[];
  varSq: number[];
  values: Record<string, number | null>;
}

export interface Artifact {
  key: ArtifactKey;
  artifactVersion: number;
  task: EstimationTask;
  calibrations: ClassCalibration[];
  reference: ClassifierReference | RegressionReference;
  createdAt: string;
}

const KEY_WHERE = `detector = {detector:String} AND model = {model:String} AND model_version = {version:String}`;
const RANGE_WHERE = `reference_from = fromUnixTimestamp64Milli({ref_from:Int64}, 'UTC') AND reference_to = fromUnixTimestamp64Milli({ref_to:Int64}, 'UTC')`;

function keyParams(k: ArtifactKey) {
  return { detector: k.detector, model: k.model, version: k.version, ref_from: k.referenceFrom.getTime(), ref_to: k.referenceTo.getTime() };
}

interface ArtifactRow {
  version: number;
  cls: string;
  task: EstimationTask;
  method: string;
  n_ref: string;
  positives: number;
  edges: string[];
  values: string[];
  summary: string;
  created_at: string;
}

/** The newest artifact of the key fitted on exactly its reference range, or null. */
export async function loadArtifact(store: Store, key: ArtifactKey, signal?: AbortSignal): Promise<Artifact | null> {
  const rows = await store.query<ArtifactRow>(
    `SELECT version, cls, task, method, n_ref, positives, ${asBits('edges')} AS edges, ${asBits('values')} AS values, summary, toString(created_at) AS created_at
     FROM estimated_calibrations
     WHERE ${KEY_WHERE} AND ${RANGE_WHERE}
       AND version = (SELECT max(version) FROM estimated_calibrations WHERE ${KEY_WHERE} AND ${RANGE_WHERE})
     ORDER BY cls`,
    { params: keyParams(key), signal },
  );
  const first = rows[0];
  if (!first) return null;
  const summary = JSON.parse(first.summary) as { reference: Artifact['reference']; order: string[]; cv?: Record<string, Record<string, number> | null> };
  const byCls = new Map(rows.map((r) => [r.cls, r]));
  const calibrations = summary.order.map((cls): ClassCalibration => {
    const r = byCls.get(cls);
    if (!r) throw new RangeError(`calibration artifact ${key.detector}/${key.model}/${key.version} v${first.version} lacks class "${cls}"`);
    return {
      cls,
      method: r.method as ClassCalibration['method'],
      edges: r.edges.map(floatFromBits),
      values: r.values.map(floatFromBits),
      nRef: Number(r.n_ref),
      positives: Number(r.positives),
      cvBrier: summary.cv?.[cls] ?? null,
    };
  });
  return { key, artifactVersion: Number(first.version), task: first.task, calibrations, reference: summary.reference, createdAt: first.created_at };
}

/** Store a new fit as the key's next artifact version; returns the artifact with its version. */
export async function saveArtifact(store: Store, a: Omit<Artifact, 'artifactVersion' | 'createdAt'>): Promise<Artifact> {
  const [row] = await store.query<{ v: number }>(`SELECT max(version) AS v FROM estimated_calibrations WHERE ${KEY_WHERE}`, { params: keyParams(a.key) });
  const artifactVersion = Number(row?.v ?? 0) + 1;
  const createdAt = new Date();
  const summary = JSON.stringify({ reference: a.reference, order: a.calibrations.map((c) => c.cls), cv: Object.fromEntries(a.calibrations.map((c) => [c.cls, c.cvBrier])) });
  // Edges and values go in as exact bit patterns: a score equal to an edge must land in the same bin it was fitted in.
  await store.command(
    `INSERT INTO estimated_calibrations (detector, model, model_version, version, cls, task, method, reference_from, reference_to, n_ref, positives, edges, values, summary, created_at)
     SELECT {detector:String}, {model:String}, {version:String}, {artifact_version:UInt32}, {cls:Array(String)}[i], {task:String}, {method:Array(String)}[i],
            fromUnixTimestamp64Milli({ref_from:Int64}, 'UTC'), fromUnixTimestamp64Milli({ref_to:Int64}, 'UTC'), {n_ref:Array(UInt64)}[i], {positives:Array(Float64)}[i],
            arrayMap(x -> reinterpretAsFloat64(toUInt64(x)), {edges:Array(Array(String))}[i]), arrayMap(x -> reinterpretAsFloat64(toUInt64(x)), {values:Array(Array(String))}[i]),
            {summary:String}, fromUnixTimestamp64Milli({created_at:Int64}, 'UTC')
     FROM (SELECT arrayJoin(arrayEnumerate({cls:Array(String)})) AS i)`,
    {
      params: {
        ...keyParams(a.key),
        artifact_version: artifactVersion,
        task: a.task,
        summary,
        created_at: createdAt.getTime(),
        cls: a.calibrations.map((c) => c.cls),
        method: a.calibrations.map((c) => c.method),
        n_ref: a.calibrations.map((c) => c.nRef),
        positives: a.calibrations.map((c) => c.positives),
        edges: a.calibrations.map((c) => c.edges.map(floatBits)),
        values: a.calibrations.map((c) => c.values.map(floatBits)),
      },
    },
  );
  return { ...a, artifactVersion, createdAt: createdAt.toISOString() };
}
