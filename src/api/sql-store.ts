// The store read-only SQL runs on. With a ClickHouse server and
// http.sql.username set, a client of its own logs in as that user (created by
// deploy/clickhouse/readonly-user.sql with SELECT on driftwatch's tables
// only), so the server's grants hold even if everything above them failed.
// Otherwise: the daemon's store, with the guard and readonly=1.
import type { Config } from '../config/schema.ts';
import type { Store } from '../core/store/store.ts';
import { openServerStore } from '../store/server.ts';

export function sqlStore(config: Config, store: () => Store): () => Store {
  const { url } = config.clickhouse;
  const user = config.http.sql.username;
  if (!url || !user) return store;
  let own: Store | null = null;
  return () => {
    // Opened on first use: creating a client does not connect.
    own ??= openServerStore({ ...config.clickhouse, url, username: user, password: config.http.sql.password, password_file: config.http.sql.password_file });
    return own;
  };
}
