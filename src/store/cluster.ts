// clickhouse.cluster as the migration options of src/core/store/cluster-ddl.ts.
import type { Config } from '../config/schema.ts';
import type { ClusterOptions } from '../core/store/cluster-ddl.ts';

export function clusterOptions(config: Pick<Config, 'clickhouse'>): ClusterOptions | undefined {
  const c = config.clickhouse.cluster;
  return c ? { name: c.name, zookeeperPath: c.zookeeper_path, replicaName: c.replica_name } : undefined;
}
