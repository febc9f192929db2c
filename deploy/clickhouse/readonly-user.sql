-- A read-only ClickHouse user for driftwatch's SQL API (POST /v1/sql and
-- `driftwatch sql`), with SELECT on driftwatch's tables and three system
-- tables, nothing else: no other database, no system.processes or
-- query_log, no KILL, no table functions (they need grants it lacks), and
-- limits it cannot lift. driftwatch logs in as this user for SQL when
-- http.sql.username / http.sql.password are set; everything else keeps the
-- clickhouse.username account.
--
-- Run as an admin, with the database name of clickhouse.database in place of
-- `driftwatch` if you changed it, and a password of your own for REPLACE_ME:
--   sed "s/REPLACE_ME/$DW_SQL_PASSWORD/" deploy/clickhouse/readonly-user.sql | clickhouse-client --multiquery
-- The grants name the tables test/deploy/clickhouse-readonly.test.ts checks
-- against the SQL allowlist (src/api/sql-policy.ts). Also install
-- deploy/clickhouse/config.d/readonly-sql.xml, so system tables need a grant.

CREATE SETTINGS PROFILE IF NOT EXISTS driftwatch_sql_profile SETTINGS
    readonly = 2,
    allow_ddl = 0 CONST,
    allow_introspection_functions = 0 CONST,
    max_execution_time = 30 MAX 300,
    max_memory_usage = 536870912 MAX 1073741824,
    max_result_bytes = 33554432 MAX 268435456;

CREATE ROLE IF NOT EXISTS driftwatch_sql_reader SETTINGS PROFILE 'driftwatch_sql_profile';

GRANT SELECT ON driftwatch.predictions TO driftwatch_sql_reader;
GRANT SELECT ON driftwatch.feature_values TO driftwatch_sql_reader;
GRANT SELECT ON driftwatch.labels TO driftwatch_sql_reader;
GRANT SELECT ON driftwatch.label_arrivals TO driftwatch_sql_reader;
GRANT SELECT ON driftwatch.drift_scores TO driftwatch_sql_reader;
GRANT SELECT ON driftwatch.detector_runs TO driftwatch_sql_reader;
GRANT SELECT ON driftwatch.baseline_datasets TO driftwatch_sql_reader;
GRANT SELECT ON driftwatch.baseline_values TO driftwatch_sql_reader;
GRANT SELECT ON driftwatch.alert_state TO driftwatch_sql_reader;
GRANT SELECT ON driftwatch.alert_events TO driftwatch_sql_reader;
GRANT SELECT ON driftwatch.alert_silences TO driftwatch_sql_reader;
GRANT SELECT ON driftwatch.alert_notification_log TO driftwatch_sql_reader;
GRANT SELECT ON driftwatch.alert_outbox TO driftwatch_sql_reader;
GRANT SELECT ON driftwatch.alert_version_health TO driftwatch_sql_reader;
GRANT SELECT ON driftwatch.gate_decisions TO driftwatch_sql_reader;
GRANT SELECT ON driftwatch.estimated_calibrations TO driftwatch_sql_reader;
GRANT SELECT ON driftwatch.version_lifetimes TO driftwatch_sql_reader;
GRANT SELECT ON driftwatch.current_scores TO driftwatch_sql_reader;
GRANT SELECT ON system.one TO driftwatch_sql_reader;
GRANT SELECT ON system.tables TO driftwatch_sql_reader;
GRANT SELECT ON system.columns TO driftwatch_sql_reader;

CREATE USER IF NOT EXISTS driftwatch_sql IDENTIFIED WITH sha256_password BY 'REPLACE_ME'
    DEFAULT ROLE driftwatch_sql_reader
    DEFAULT DATABASE driftwatch
    SETTINGS PROFILE 'driftwatch_sql_profile';

GRANT driftwatch_sql_reader TO driftwatch_sql;
