// GET /v1/versions/compare?model=fraud&a=v11&b=v12&window=1h[&end=<ISO>][&min_count=500][&label_horizon=7d]
// Champion (a) vs canary (b): every operational, quality, drift and shadow
// metric side by side (detectors/versions/compare.ts). The CLI sends the
// same query when a daemon holds the embedded store.
import { z } from 'zod';
import { compareVersions, type VersionsCompareOptions } from '../../detectors/versions/compare.ts';
import { formatIssues } from '../core/config/format-issues.ts';
import { linesToErrors } from '../core/http/problem.ts';
import { HttpError, type Router } from '../core/http/router.ts';
import type { Store } from '../core/store/store.ts';
import { parseDuration } from '../core/util/duration.ts';

const duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'must be a duration like 30m, 1h or 7d');

export const compareQuerySchema = z
  .strictObject({
    model: z.string().min(1, 'model is required'),
    a: z.string().min(1, 'a (the champion version) is required'),
    b: z.string().min(1, 'b (the candidate version) is required'),
    window: duration.default('1h'),
    end: z
      .string()
      .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 time')
      .optional(),
    min_count: z.coerce.number().int().min(1).optional(),
    label_horizon: duration.default('7d'),
  })
  .refine((q) => q.a !== q.b, { message: 'a and b must be different versions', path: ['b'] });

export type CompareQuery = z.input<typeof compareQuerySchema>;

export interface CompareDefaults {
  /** detectors.min_samples of the config. @default 500 */
  minCount?: number;
}

/** Validated query → options; throws a list of `path: problem` lines as an Error with `issues`. */
export function compareOptions(raw: Record<string, unknown>, defaults: CompareDefaults = {}, now = new Date()): VersionsCompareOptions {
  const parsed = compareQuerySchema.safeParse(raw);
  if (!parsed.success) throw Object.assign(new Error('invalid request'), { issues: formatIssues(parsed.error.issues) });
  const q = parsed.data;
  const end = q.end ? new Date(q.end) : now;
  const len = parseDuration(q.window);
  if (len <= 0) throw Object.assign(new Error('invalid request'), { issues: ['window: must be longer than 0'] });
  return {
    model: q.model,
    a: q.a,
    b: q.b,
    window: { start: new Date(end.getTime() - len), end },
    minCount: q.min_count ?? defaults.minCount ?? 500,
    labelHorizonMs: parseDuration(q.label_horizon),
  };
}

export function addVersionsRoutes(router: Router, store: () => Store, defaults: CompareDefaults = {}): void {
  router.add('GET', '/v1/versions/compare', async (req) => {
    const raw = Object.fromEntries(req.query);
    const parsed = compareQuerySchema.safeParse(raw);
    if (!parsed.success) throw HttpError.invalid('query', parsed.error.issues);
    let opts: VersionsCompareOptions;
    try {
      opts = compareOptions(raw, defaults);
    } catch (e) {
      throw HttpError.problems(linesToErrors((e as { issues?: string[] }).issues ?? [(e as Error).message], 'query'), 'invalid query parameters');
    }
    return { status: 200, body: await compareVersions(store(), opts) };
  });
}
