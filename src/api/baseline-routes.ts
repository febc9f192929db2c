// Imported baselines (training data) for the drift detectors.
//   POST /v1/baselines {model, version, name?, path, format?}  import a file the
//        daemon can read (same machine); answers the dataset entry (201)
//   GET  /v1/baselines                                          every dataset's newest import
// The CLI (`driftwatch baseline import|list`) sends these when a daemon holds
// the embedded store.
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { importBaseline, listBaselines } from '../../detectors/baselines/import.ts';
import { formatIssues } from '../core/config/format-issues.ts';
import { HttpError, type Router } from '../core/http/router.ts';
import type { Store } from '../core/store/store.ts';

export const importBodySchema = z.strictObject({
  model: z.string().min(1, 'model is required'),
  version: z.string().min(1, 'version is required'),
  name: z.string().min(1).default('training'),
  path: z.string().min(1, 'path is required').refine(isAbsolute, 'must be an absolute path on the daemon host'),
  format: z.enum(['csv', 'jsonl', 'parquet', 'arrow']).optional(),
});

export type ImportBody = z.input<typeof importBodySchema>;

export function addBaselineRoutes(router: Router, store: () => Store): void {
  router.add('POST', '/v1/baselines', async (req) => {
    const parsed = importBodySchema.safeParse(await req.json(1 << 16));
    if (!parsed.success) throw new HttpError(400, 'invalid request', formatIssues(parsed.error.issues));
    const b = parsed.data;
    try {
      const ds = await importBaseline(store(), { model: b.model, version: b.version, name: b.name, path: b.path, ...(b.format ? { format: b.format } : {}) });
      return { status: 201, body: ds };
    } catch (e) {
      if (e instanceof Error && 'code' in e && (e.code === 'DW_USAGE' || e.code === 'DW_INPUT')) throw new HttpError(400, e.message);
      throw e;
    }
  });
  router.add('GET', '/v1/baselines', async () => ({ status: 200, body: { baselines: await listBaselines(store()) } }));
}
