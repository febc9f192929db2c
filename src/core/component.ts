// The contract between the daemon and each long-running part (store, ingest,
// scheduler, alerting, HTTP). The daemon starts components in order and stops
// them in reverse, so children close before the things they write to.

export interface Readiness {
  ready: boolean;
  /** Why not ready (or a short status when ready). */
  reason: string;
}

export interface Component {
  readonly name: string;
  start(): Promise<void>;
  /**
   * Stop intake, finish or flush in-flight work, release resources.
   * `deadline` aborts when the shutdown deadline passes: stop waiting then.
   * Must be idempotent.
   */
  stop(deadline: AbortSignal): Promise<void>;
  /** Omitted when the component has no say in readiness. */
  readiness?(): Readiness;
}
