// The route tree, as in Alertmanager: an alert walks down from the root; at
// each level the first child that matches takes it (and later siblings too
// when that child has `continue: true`); a node whose children all pass keeps
// it. Children inherit receiver, group_by and the timers from their parent.
import { parseDuration } from '../src/core/util/duration.ts';
import { ROUTE_DEFAULTS, type RouteConfig } from './config.ts';
import { compileMatcher, matchesAll, type CompiledMatcher, type Labels } from './labels.ts';

export interface Route {
  /** Position in the tree ("0", "0.1", ...), part of every group key. */
  id: string;
  receiver: string;
  matchers: CompiledMatcher[];
  continue: boolean;
  /** null: group by every label ("..."). */
  groupBy: string[] | null;
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  routes: Route[];
}

interface Inherited {
  receiver: string;
  group_by: ReadonlyArray<string>;
  group_wait: string;
  group_interval: string;
  repeat_interval: string;
}

function build(cfg: RouteConfig, parent: Inherited, id: string): Route {
  const eff: Inherited = {
    receiver: cfg.receiver ?? parent.receiver,
    group_by: cfg.group_by ?? parent.group_by,
    group_wait: cfg.group_wait ?? parent.group_wait,
    group_interval: cfg.group_interval ?? parent.group_interval,
    repeat_interval: cfg.repeat_interval ?? parent.repeat_interval,
  };
  return {
    id,
    receiver: eff.receiver,
    matchers: cfg.matchers.map(compileMatcher),
    continue: cfg.continue,
    groupBy: eff.group_by.includes('...') ? null : [...eff.group_by],
    groupWaitMs: parseDuration(eff.group_wait),
    groupIntervalMs: parseDuration(eff.group_interval),
    repeatIntervalMs: parseDuration(eff.repeat_interval),
    routes: cfg.routes.map((c, i) => build(c, eff, `${id}.${i}`)),
  };
}

export function buildRouteTree(root: RouteConfig): Route {
  return build(root, { receiver: root.receiver ?? '', ...ROUTE_DEFAULTS }, '0');
}

/** The routes that take an alert with these labels (deepest matches, honouring `continue`). */
export function matchRoutes(route: Route, labels: Labels): Route[] {
  if (!matchesAll(route.matchers, labels)) return [];
  const all: Route[] = [];
  for (const child of route.routes) {
    const m = matchRoutes(child, labels);
    all.push(...m);
    if (m.length > 0 && !child.continue) break;
  }
  return all.length > 0 ? all : [route];
}

/** The labels that define an alert's group on a route. */
export function groupLabels(route: Route, labels: Labels): Record<string, string> {
  if (route.groupBy === null) return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
  const out: Record<string, string> = {};
  for (const k of route.groupBy) {
    const v = labels[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export function groupKey(route: Route, labels: Record<string, string>): string {
  return `${route.id}:${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
}
