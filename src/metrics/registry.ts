// One prom-client registry per daemon (not the global one), so tests can run
// several daemons in one process and /metrics shows exactly this daemon.
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { VERSION } from '../version.ts';

// prom-client's defaults name three gauges *_total, which promtool (rightly)
// flags: only counters end in _total. The same facts stay available as
// nodejs_active_handles / nodejs_active_requests / nodejs_active_resources.
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export function createRegistry(opts: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  }
  new Gauge({ name: 'driftwatch_build_info', help: 'Always 1; labels carry the driftwatch and Node versions.', labelNames: ['version', 'node'], registers: [registry] }).set(
    { version: VERSION, node: process.version },
    1,
  );
  return registry;
}
