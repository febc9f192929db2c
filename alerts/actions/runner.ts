// Decides which action webhooks an alert that just started firing triggers:
// skipped while the alert is silenced or inhibited, at most one per model and
// action within the cooldown. A rollback goes to the newest other version
// with a healthy record; when there is none (a fresh install, or every other
// version unhealthy) its payload says target_version null, target_reason
// no_healthy_target, and it is recorded in the outbox without being sent: a
// deploy hook cannot act on a rollback to nowhere, and the alert's own
// notifications (which carry this outcome) reach the humans who can. The
// message is durable in the outbox before this returns.
import { createHash } from 'node:crypto';
import type { Logger } from '../../src/core/log/logger.ts';
import { parseDuration } from '../../src/core/util/duration.ts';
import type { Alert } from '../alert.ts';
import type { Clock } from '../clock.ts';
import type { ActionConfig, RuleConfig } from '../config.ts';
import type { VersionHealthStore } from '../health.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { NO_HEALTHY_TARGET, retrainPayload, rollbackPayload } from './payloads.ts';

export interface ActionRunnerOptions {
  actions: ReadonlyArray<ActionConfig>;
  outbox: Outbox;
  health: VersionHealthStore;
  clock: Clock;
  logger: Logger;
  /** Why the alert is muted (silence ids, inhibiting fingerprints), or null. */
  mutedBy: (alert: Alert) => string | null;
}

export interface ActionDecision {
  action: string;
  type: 'retrain' | 'rollback';
  outcome: 'queued' | 'dry_run' | 'muted' | 'cooldown' | 'no_target';
  webhookId?: string;
  /** Rollbacks that were decided: the target, null when there is none. */
  targetVersion?: string | null;
  reason?: typeof NO_HEALTHY_TARGET;
}

export class ActionRunner {
  readonly #o: ActionRunnerOptions;
  readonly #actions: Map<string, ActionConfig>;

  constructor(opts: ActionRunnerOptions) {
    this.#o = opts;
    this.#actions = new Map(opts.actions.map((a) => [a.name, a]));
  }

  /** Called once when an alert starts firing. Rejects when the outbox cannot store a message. */
  async onFiring(alert: Alert, rule: RuleConfig, runId: string): Promise<ActionDecision[]> {
    const out: ActionDecision[] = [];
    const { logger, clock } = this.#o;
    const model = alert.labels.model ?? '';
    for (const name of rule.actions) {
      const action = this.#actions.get(name);
      if (!action) continue;
      const fields = { action: name, kind: action.type, model, rule: rule.name, fingerprint: alert.fingerprint };
      const decided = { action: name, type: action.type };
      const muted = this.#o.mutedBy(alert);
      if (muted) {
        logger.info('action skipped: the alert is muted', { ...fields, muted_by: muted });
        out.push({ ...decided, outcome: 'muted' });
        continue;
      }
      const last = await this.#o.outbox.lastCreated(name, model);
      const now = clock.now();
      if (last !== null && now - last < parseDuration(action.cooldown)) {
        logger.info('action skipped: cooldown', { ...fields, cooldown: action.cooldown, last_at: new Date(last).toISOString() });
        out.push({ ...decided, outcome: 'cooldown' });
        continue;
      }
      const id = 'msg_' + createHash('sha256').update(JSON.stringify([name, alert.fingerprint, runId])).digest('hex').slice(0, 32);
      const base = { id, action: name, createdAt: now, dryRun: action.dry_run, alert };
      if (action.type === 'rollback') {
        const current = alert.labels.version ?? '';
        const target = await this.#o.health.lastHealthyVersion(model, current);
        const payload = JSON.stringify(rollbackPayload({ ...base, targetVersion: target }));
        if (target === null) {
          logger.warn('rollback recorded, not sent: no other version of the model has a healthy record', { ...fields, current_version: current, webhook_id: id, reason: NO_HEALTHY_TARGET, code: 'DW_ALERT_NO_ROLLBACK_TARGET' });
          await this.#o.outbox.enqueue({ id, action: name, kind: action.type, model, fingerprint: alert.fingerprint, payload, dryRun: action.dry_run, noTarget: true });
          out.push({ ...decided, outcome: 'no_target', webhookId: id, targetVersion: null, reason: NO_HEALTHY_TARGET });
          continue;
        }
        await this.#o.outbox.enqueue({ id, action: name, kind: action.type, model, fingerprint: alert.fingerprint, payload, dryRun: action.dry_run });
        out.push({ ...decided, outcome: action.dry_run ? 'dry_run' : 'queued', webhookId: id, targetVersion: target });
        continue;
      }
      await this.#o.outbox.enqueue({ id, action: name, kind: action.type, model, fingerprint: alert.fingerprint, payload: JSON.stringify(retrainPayload(base)), dryRun: action.dry_run });
      out.push({ ...decided, outcome: action.dry_run ? 'dry_run' : 'queued', webhookId: id });
    }
    return out;
  }
}
