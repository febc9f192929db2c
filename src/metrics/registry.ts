// One prom-client registry per daemon (not the global one), so tests can run
// several daemons in one process and /metrics shows exactly this daemon.
import { collectDefaultMetrics, Registry } from 'prom-client';

export function createRegistry(opts: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
