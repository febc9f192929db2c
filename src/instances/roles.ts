// The roles of this instance. On an embedded store there is one process by
// construction and every role is ours. On a ClickHouse server other
// instances may share, each role is a lease (lease-role.ts):
//   scheduler: detector schedules, alert evaluation and notifications. They
//              are one role because evaluation feeds on the runs in process
//              and the dispatcher on the evaluations (alert state, groups).
//   outbox:    delivery of the signed action webhooks (alert_outbox).
//   metrics:   the model view's store-derived totals (one exporter, so a
//              sum() over instances counts every prediction once).
import { Gauge, type Registry } from 'prom-client';
import type { Config } from '../config/schema.ts';
import type { Component } from '../core/component.ts';
import type { Logger } from '../core/log/logger.ts';
import { soleOwner, type Ownership } from '../core/ownership.ts';
import type { Store } from '../core/store/store.ts';
import { parseDuration } from '../core/util/duration.ts';
import { defaultHolder, LeaseRole, type RoleListener } from './lease-role.ts';

export const ROLES = ['scheduler', 'outbox', 'metrics'] as const;
export type RoleName = (typeof ROLES)[number];

export interface InstanceRole extends Ownership {
  beforeGain(l: RoleListener): void;
  onGain(l: RoleListener): void;
  onLose(l: RoleListener): void;
}

function sole(role: string): InstanceRole {
  return { ...soleOwner(role), beforeGain: () => undefined, onGain: () => undefined, onLose: () => undefined };
}

export class InstanceRoles implements Component {
  readonly name = 'instance-roles';
  readonly holder: string;
  readonly #roles = new Map<RoleName, InstanceRole>();
  readonly #leases: LeaseRole[] = [];

  constructor(config: Config, store: () => Store, logger: Logger, registry: Registry, opts: { contend?: Partial<Record<RoleName, boolean>> } = {}) {
    this.holder = config.instances.name ?? defaultHolder();
    const shared = config.clickhouse.url !== undefined;
    // Exported in both modes so dashboards and the README's queries work the
    // same: with the embedded store this process is the only one and holds every role.
    const gauge = new Gauge({ name: 'driftwatch_instance_role', help: 'Roles this instance holds (1) or not (0) among instances sharing a ClickHouse server (always 1 with the embedded store).', labelNames: ['role'], registers: [registry] });
    for (const role of ROLES) {
      if (!shared) {
        this.#roles.set(role, sole(role));
        gauge.set({ role }, 1);
        continue;
      }
      const lease = new LeaseRole({ role, store, ttlMs: parseDuration(config.instances.lease_ttl), holder: this.holder, logger: logger.child({ component: 'instances' }), gauge });
      gauge.set({ role }, 0);
      if (opts.contend?.[role] !== false) this.#leases.push(lease);
      this.#roles.set(role, lease);
    }
  }

  role(name: RoleName): InstanceRole {
    return this.#roles.get(name)!;
  }

  async start(): Promise<void> {
    for (const l of this.#leases) l.start();
  }

  /** After the components that do the roles' work have stopped: give every held role up at once. */
  async stop(): Promise<void> {
    await Promise.all(this.#leases.map((l) => l.stop()));
  }
}
