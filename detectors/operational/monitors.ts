// One call that runs every operational monitor for a run (reading
// feature_values once for schema and missing values, and tagging every row
// with its version's deployment tag).
import type { Store } from '../../src/core/store/store.ts';
import type { ScoreRow } from '../../src/core/score.ts';
import { validateContext, type MonitorContext } from './context.ts';
import { errorRateMonitor } from './errors.ts';
import { loadFeatureStats } from './feature-stats.ts';
import { latencyMonitor } from './latency.ts';
import { missingScores } from './missing.ts';
import { schemaScores } from './schema.ts';
import { loadDeploymentTags, withTags } from './tags.ts';
import { volumeMonitor } from './volume.ts';

export async function runOperationalMonitors(store: Store, ctx: MonitorContext): Promise<ScoreRow[]> {
  validateContext(ctx);
  const [volume, latency, errors, features, tags] = await Promise.all([
    volumeMonitor(store, ctx),
    latencyMonitor(store, ctx),
    errorRateMonitor(store, ctx),
    loadFeatureStats(store, ctx),
    loadDeploymentTags(store, ctx),
  ]);
  return withTags([...volume, ...latency, ...errors, ...schemaScores(features, ctx), ...missingScores(features, ctx)], tags);
}
