#!/usr/bin/env bash
# A real, single-node Apache Kafka broker (KRaft, combined broker+controller)
# on 127.0.0.1 for tests, the demo and local use. No Docker and no Apache
# download mirrors on our machines, so the broker's jars come from Maven
# Central through scripts/kafka/pom.xml and are cached outside the repo.
#
#   bash scripts/kafka.sh start    start (idempotent); prints 127.0.0.1:PORT on stdout
#   bash scripts/kafka.sh stop     SIGTERM, then SIGKILL after KAFKA_STOP_TIMEOUT
#   bash scripts/kafka.sh status   exit 0 and print the brokers string if running, else exit 1
#   bash scripts/kafka.sh fetch    only fetch the jars (e.g. to warm a CI cache)
#   bash scripts/kafka.sh logs     print the broker log path
#   bash scripts/kafka.sh version  print the broker version this configuration runs
#   bash scripts/kafka.sh run-class CLASS [ARGS...]
#                                  run a Java main from the broker's classpath, e.g. the
#                                  console producer (org.apache.kafka.tools.ConsoleProducer)
#
# Everything except the brokers string goes to stderr, so callers can do
#   KAFKA_BROKERS=$(bash scripts/kafka.sh start)
#
# Environment:
#   KAFKA_VERSION          Apache Kafka version from Maven Central (default 3.9.1; 4.x works
#                          too, e.g. 4.4.0); jars are cached per version
#   KAFKA_PORT             client listener port (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port (default KAFKA_PORT+1000)
#   KAFKA_STATE_DIR        data, config, logs, pidfile (default <repo>/.kafka/local)
#   DRIFTWATCH_KAFKA_HOME  jar cache (default ~/.cache/driftwatch/kafka)
#   KAFKA_KEEP_DATA=1      keep topics/offsets from the previous run
#   KAFKA_NUM_PARTITIONS   default partitions of auto-created topics (default 3)
#   KAFKA_HEAP_OPTS        JVM heap (default "-Xms256m -Xmx512m")
#   KAFKA_START_TIMEOUT    seconds to wait for a usable broker (default 90)
#   KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM before SIGKILL (default 30)
#   KAFKA_EXTRA_CONFIG     extra server.properties lines, appended verbatim
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
POM="$SCRIPT_DIR/kafka/pom.xml"

KAFKA_VERSION=${KAFKA_VERSION:-3.9.1}
[[ "$KAFKA_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { printf 'kafka.sh: error: KAFKA_VERSION must look like 3.9.1 or 4.4.0 (got %s)\n' "$KAFKA_VERSION" >&2; exit 2; }
KAFKA_MAJOR=${KAFKA_VERSION%%.*}
# Kafka 4 logs through log4j2, Kafka 3 through log4j 1.2 (reload4j): the pom
# profile picks the binding, the broker gets the matching configuration.
if (( KAFKA_MAJOR >= 4 )); then MVN_PROFILE=kafka4; else MVN_PROFILE=kafka3; fi
PORT=${KAFKA_PORT:-9092}
CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-$((PORT + 1000))}
STATE_DIR=${KAFKA_STATE_DIR:-$REPO_ROOT/.kafka/local}
CACHE_HOME=${DRIFTWATCH_KAFKA_HOME:-$HOME/.cache/driftwatch/kafka}
# One classpath per version and pom: checkouts with different poms (another
# branch, an older clone) share the cache without refetching over each other.
POM_SUM=$(sha256sum "$POM" | cut -d' ' -f1)
LIBS_DIR="$CACHE_HOME/$KAFKA_VERSION/libs-$MVN_PROFILE-${POM_SUM:0:12}"
START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}

DATA_DIR="$STATE_DIR/data"
LOG_DIR="$STATE_DIR/logs"
PID_FILE="$STATE_DIR/kafka.pid"
BROKERS_FILE="$STATE_DIR/brokers"
VERSION_FILE="$STATE_DIR/version"
CONFIG="$STATE_DIR/server.properties"
LOG4J_CONFIG="$STATE_DIR/log4j.properties"
LOG4J2_CONFIG="$STATE_DIR/log4j2.properties"
CONSOLE_LOG="$LOG_DIR/console.log"

# Serialise start/stop on one state dir, and jar fetches on one cache, so two
# callers at once (e.g. parallel vitest projects) cannot race. flock is
# util-linux; without it (macOS) we go unlocked.
lock() {
  local file=$1 fd=$2
  command -v flock >/dev/null 2>&1 || return 0
  mkdir -p "$(dirname "$file")"
  eval "exec $fd>\"\$file\""
  flock -w 300 "$fd" || die "could not lock $file within 300s"
}

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The state dir may be given relative; the broker and pidfile need it absolute
# because the JVM is started from another working directory.
case "$STATE_DIR" in
  /*) ;;
  *) mkdir -p "$STATE_DIR"; STATE_DIR=$(cd "$STATE_DIR" && pwd)
     DATA_DIR="$STATE_DIR/data"; LOG_DIR="$STATE_DIR/logs"; PID_FILE="$STATE_DIR/kafka.pid"
     BROKERS_FILE="$STATE_DIR/brokers"; VERSION_FILE="$STATE_DIR/version"; CONFIG="$STATE_DIR/server.properties"
     LOG4J_CONFIG="$STATE_DIR/log4j.properties"; LOG4J2_CONFIG="$STATE_DIR/log4j2.properties"; CONSOLE_LOG="$LOG_DIR/console.log" ;;
esac

require_java() {
  command -v java >/dev/null 2>&1 || die "java not found on PATH: the Kafka broker needs a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)"
  local v
  v=$(java -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')
  local major=${v%%.*}
  local need=11
  (( KAFKA_MAJOR >= 4 )) && need=17
  if [[ "$major" =~ ^[0-9]+$ ]] && (( major < need )); then
    die "java $v is too old: Kafka $KAFKA_VERSION needs Java $need+ (17 recommended)"
  fi
}

# Fetch the broker's runtime classpath once per version; the .complete stamp
# carries the pom's checksum and the version, so editing the pom refetches.
fetch_jars() {
  local sum stamp
  sum="$POM_SUM $KAFKA_VERSION $MVN_PROFILE"
  stamp="$LIBS_DIR/.complete"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$sum" ]]; then
    return 0
  fi
  lock "$CACHE_HOME/$KAFKA_VERSION.fetch.lock" 8
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$sum" ]]; then
    return 0 # fetched by another caller while we waited for the lock
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found on PATH: it is needed once to fetch the Kafka $KAFKA_VERSION jars from Maven Central into $LIBS_DIR (e.g. apt-get install maven)"
  log "fetching Kafka $KAFKA_VERSION jars with mvn into $LIBS_DIR"
  mkdir -p "$CACHE_HOME/$KAFKA_VERSION"
  local tmp="$CACHE_HOME/$KAFKA_VERSION/libs.tmp.$$"
  rm -rf "$tmp"
  # -B -q: no progress bars, only problems; </dev/null: never wait on stdin.
  # The sed drops the bare colour-reset codes Maven 3.8 prints even in batch
  # mode (pipefail keeps mvn's exit status).
  if ! mvn -B -q -f "$POM" -P "$MVN_PROFILE" -Dkafka.version="$KAFKA_VERSION" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" </dev/null 2>&1 \
      | sed -e $'s/\x1b\\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2; then
    rm -rf "$tmp"
    die "mvn could not fetch the Kafka jars (is Maven Central reachable? see the mvn output above)"
  fi
  ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "mvn finished but kafka_2.13-$KAFKA_VERSION.jar is missing in $tmp"; }
  echo "$sum" >"$tmp/.complete"
  # Swap in whole so an interrupted fetch never leaves a half directory
  # behind the stamp.
  rm -rf "$LIBS_DIR.old.$$"
  if [[ -d "$LIBS_DIR" ]]; then mv "$LIBS_DIR" "$LIBS_DIR.old.$$"; fi
  mv "$tmp" "$LIBS_DIR"
  rm -rf "$LIBS_DIR.old.$$"
}

classpath() {
  local cp="" jar
  for jar in "$LIBS_DIR"/*.jar; do cp="${cp:+$cp:}$jar"; done
  printf '%s' "$cp"
}

# Our broker is alive when the pid in the pidfile is a java running kafka.Kafka
# with this state dir's config (guards against a reused pid after a reboot).
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid=$(cat "$PID_FILE" 2>/dev/null || true)
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "kafka.Kafka $CONFIG" || return 1
  fi
  printf '%s' "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

random_cluster_id() {
  # Kafka's Uuid text form: 16 random bytes, base64url without padding.
  # Drawn again when it starts with '-': the format tool would read it as an option.
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [ "${id#-}" = "$id" ] && break
  done
  printf '%s' "$id"
}

write_config() {
  mkdir -p "$DATA_DIR" "$LOG_DIR"
  cat >"$CONFIG" <<EOF
# Written by scripts/kafka.sh; rewritten on every start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR

# One node: every internal topic must live with replication factor 1.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
default.replication.factor=1
min.insync.replicas=1
# Fewer internal partitions than the 50 default: the first consumer group
# join creates __consumer_offsets, and 50 partitions cost seconds on 2 cores.
offsets.topic.num.partitions=5
transaction.state.log.num.partitions=5
# Tests join groups often; the 3 s default delay would slow each first join.
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
num.partitions=${KAFKA_NUM_PARTITIONS:-3}

# Two cores: keep thread pools small.
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
background.threads=4
log.cleaner.threads=1

# Local use: bounded disk.
log.retention.hours=24
log.segment.bytes=67108864
log.retention.check.interval.ms=300000
EOF
  if [[ -n "${KAFKA_EXTRA_CONFIG:-}" ]]; then
    printf '\n# KAFKA_EXTRA_CONFIG\n%s\n' "$KAFKA_EXTRA_CONFIG" >>"$CONFIG"
  fi

  cat >"$LOG4J_CONFIG" <<'EOF'
# Written by scripts/kafka.sh. Everything to files under ${kafka.logs.dir}.
log4j.rootLogger=INFO, server
log4j.appender.server=org.apache.log4j.RollingFileAppender
log4j.appender.server.File=${kafka.logs.dir}/server.log
log4j.appender.server.MaxFileSize=20MB
log4j.appender.server.MaxBackupIndex=2
log4j.appender.server.layout=org.apache.log4j.PatternLayout
log4j.appender.server.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.storage.internals.log.LogConfig=WARN
EOF

  cat >"$LOG4J2_CONFIG" <<'EOF'
# Written by scripts/kafka.sh for Kafka 4 (log4j2). Everything to files under ${sys:kafka.logs.dir}.
status = warn
appender.server.type = RollingFile
appender.server.name = server
appender.server.fileName = ${sys:kafka.logs.dir}/server.log
appender.server.filePattern = ${sys:kafka.logs.dir}/server.log.%i
appender.server.layout.type = PatternLayout
appender.server.layout.pattern = [%d] %p %m (%c)%n
appender.server.policies.type = Policies
appender.server.policies.size.type = SizeBasedTriggeringPolicy
appender.server.policies.size.size = 20MB
appender.server.strategy.type = DefaultRolloverStrategy
appender.server.strategy.max = 2
rootLogger.level = INFO
rootLogger.appenderRef.server.ref = server
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = WARN
logger.logconfig.name = org.apache.kafka.storage.internals.log.LogConfig
logger.logconfig.level = WARN
EOF
}

# The -D options that point the JVM's logging at our configuration.
log_opts() {
  if (( KAFKA_MAJOR >= 4 )); then
    printf '%s\n' "-Dlog4j2.configurationFile=$LOG4J2_CONFIG" "-Dkafka.logs.dir=$LOG_DIR"
  else
    printf '%s\n' "-Dlog4j.configuration=file:$LOG4J_CONFIG" "-Dkafka.logs.dir=$LOG_DIR"
  fi
}

java_opts() {
  # shellcheck disable=SC2206 # word splitting of the heap options is intended
  local heap=(${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m})
  JAVA_OPTS=("${heap[@]}"
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent
    -Djava.awt.headless=true)
  local opt
  while IFS= read -r opt; do JAVA_OPTS+=("$opt"); done < <(log_opts)
}

format_storage() {
  # KRaft refuses to start on an unformatted log dir; format once per data dir
  # (meta.properties marks a formatted one, so KAFKA_KEEP_DATA=1 keeps it).
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    return 0
  fi
  local cid
  cid=$(random_cluster_id)
  log "formatting $DATA_DIR (cluster id $cid)"
  local opts=() opt
  while IFS= read -r opt; do opts+=("$opt"); done < <(log_opts)
  if ! java -Xmx256m "${opts[@]}" \
        -cp "$(classpath)" kafka.tools.StorageTool format \
        -t "$cid" -c "$CONFIG" --ignore-formatted </dev/null >"$LOG_DIR/format.log" 2>&1; then
    cat "$LOG_DIR/format.log" >&2
    die "formatting the KRaft log dir failed"
  fi
}

wait_ready() {
  local pid=$1 deadline=$((SECONDS + START_TIMEOUT))
  # First the port (cheap), then a real metadata round trip with kafkajs: the
  # listener accepts TCP before the broker has registered with the controller.
  until port_open "$PORT"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "the broker exited during startup; last lines of $LOG_DIR/server.log and $CONSOLE_LOG:"
      tail -n 40 "$LOG_DIR/server.log" >&2 2>/dev/null || true
      tail -n 20 "$CONSOLE_LOG" >&2 2>/dev/null || true
      rm -f "$PID_FILE"
      exit 1
    fi
    if (( SECONDS >= deadline )); then
      tail -n 40 "$LOG_DIR/server.log" >&2 2>/dev/null || true
      die "port $PORT did not open within ${START_TIMEOUT}s (broker pid $pid left running; 'bash scripts/kafka.sh stop' ends it)"
    fi
    sleep 0.2
  done
  local left=$((deadline - SECONDS))
  (( left > 5 )) || left=5
  if command -v node >/dev/null 2>&1 && [[ -d "$REPO_ROOT/node_modules/kafkajs" ]]; then
    node "$SCRIPT_DIR/kafka-wait.mjs" "127.0.0.1:$PORT" "$left" </dev/null >&2 \
      || die "the broker on 127.0.0.1:$PORT did not answer metadata requests (see $LOG_DIR/server.log)"
  else
    log "node or node_modules/kafkajs missing: checked the port only"
  fi
}

cmd_start() {
  local pid
  if pid=$(running_pid); then
    local brokers running_version
    brokers=$(cat "$BROKERS_FILE" 2>/dev/null || echo "127.0.0.1:$PORT")
    running_version=$(cat "$VERSION_FILE" 2>/dev/null || echo unknown)
    if [[ "$running_version" != "$KAFKA_VERSION" ]]; then
      die "a Kafka $running_version broker already runs on $brokers (pid $pid, state $STATE_DIR), not $KAFKA_VERSION; stop it first"
    fi
    log "already running (pid $pid, state $STATE_DIR) on $brokers"
    if [[ "$brokers" != "127.0.0.1:$PORT" ]]; then
      log "warning: it listens on $brokers, not on the requested port $PORT; stop it first to change ports"
    fi
    printf '%s\n' "$brokers"
    return 0
  fi
  rm -f "$PID_FILE"

  require_java
  if port_open "$PORT"; then
    die "port $PORT on 127.0.0.1 is already in use by another process (not the broker of $STATE_DIR); set KAFKA_PORT to a free port"
  fi
  if port_open "$CONTROLLER_PORT"; then
    die "controller port $CONTROLLER_PORT on 127.0.0.1 is already in use; set KAFKA_CONTROLLER_PORT to a free port"
  fi
  fetch_jars

  if [[ "${KAFKA_KEEP_DATA:-0}" != "1" ]]; then
    # A fresh broker per start: tests never see topics or offsets of a past run.
    rm -rf "$DATA_DIR"
  fi
  rm -rf "$LOG_DIR"
  write_config
  format_storage

  java_opts
  local t0=$SECONDS
  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$PORT (controller $CONTROLLER_PORT, state $STATE_DIR)"
  # setsid: its own session, so a terminal's Ctrl-C or the death of the
  # calling process group does not take the broker down; all output to files
  # so callers waiting on our stdout/stderr pipes are not held open by it.
  local launcher=()
  if command -v setsid >/dev/null 2>&1; then launcher=(setsid); fi
  # 8>&- 9>&-: the broker must not inherit (and so hold forever) our locks.
  (cd "$STATE_DIR" && exec "${launcher[@]}" java "${JAVA_OPTS[@]}" -cp "$(classpath)" kafka.Kafka "$CONFIG" \
      </dev/null >"$CONSOLE_LOG" 2>&1 8>&- 9>&-) &
  pid=$!
  # The subshell execs setsid which execs java (not a group leader in a
  # non-interactive shell, so setsid does not fork): $! is the broker's pid.
  echo "$pid" >"$PID_FILE"
  echo "127.0.0.1:$PORT" >"$BROKERS_FILE"
  echo "$KAFKA_VERSION" >"$VERSION_FILE"
  wait_ready "$pid"
  log "ready in $((SECONDS - t0))s (pid $pid, log $LOG_DIR/server.log)"
  printf '127.0.0.1:%s\n' "$PORT"
}

cmd_stop() {
  local pid
  if ! pid=$(running_pid); then
    log "not running (state $STATE_DIR)"
    rm -f "$PID_FILE"
    return 0
  fi
  log "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS >= deadline )); then
      log "still alive after ${STOP_TIMEOUT}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  # After SIGKILL the process may linger briefly (or as a zombie until its
  # parent reaps it); give it a bounded moment, running_pid ignores zombies.
  local i
  for ((i = 0; i < 50; i++)); do running_pid >/dev/null || break; sleep 0.1; done
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_status() {
  local pid
  if pid=$(running_pid); then
    local brokers
    brokers=$(cat "$BROKERS_FILE" 2>/dev/null || echo "127.0.0.1:$PORT")
    log "running (pid $pid, state $STATE_DIR)"
    printf '%s\n' "$brokers"
    return 0
  fi
  log "not running (state $STATE_DIR)"
  return 1
}

case "${1:-}" in
  start) lock "$STATE_DIR/.lock" 9; cmd_start ;;
  stop) lock "$STATE_DIR/.lock" 9; cmd_stop ;;
  status) cmd_status ;;
  restart) lock "$STATE_DIR/.lock" 9; cmd_stop; cmd_start ;;
  fetch) fetch_jars; log "jars in $LIBS_DIR" ;;
  logs) printf '%s\n' "$LOG_DIR/server.log" ;;
  version) printf '%s\n' "$KAFKA_VERSION" ;;
  run-class)
    # Like the distribution's kafka-run-class.sh: a Java main from the
    # broker's classpath (console producer/consumer, transaction tools),
    # logging WARN and up to stderr so stdout stays the tool's own output.
    shift
    [[ $# -ge 1 ]] || { echo "usage: $0 run-class CLASS [ARGS...]" >&2; exit 2; }
    require_java
    fetch_jars
    tool_log=$(mktemp --suffix=.properties -t dw-kafka-tool-log-XXXXXX)
    trap 'rm -f "$tool_log"' EXIT
    if (( KAFKA_MAJOR >= 4 )); then
      printf '%s\n' 'status = warn' 'appender.err.type = Console' 'appender.err.name = err' 'appender.err.target = SYSTEM_ERR' \
        'appender.err.layout.type = PatternLayout' 'appender.err.layout.pattern = [%d] %p %m (%c)%n' \
        'rootLogger.level = WARN' 'rootLogger.appenderRef.err.ref = err' >"$tool_log"
      log_opt="-Dlog4j2.configurationFile=$tool_log"
    else
      printf '%s\n' 'log4j.rootLogger=WARN, err' 'log4j.appender.err=org.apache.log4j.ConsoleAppender' 'log4j.appender.err.Target=System.err' \
        'log4j.appender.err.layout=org.apache.log4j.PatternLayout' 'log4j.appender.err.layout.ConversionPattern=[%d] %p %m (%c)%n' >"$tool_log"
      log_opt="-Dlog4j.configuration=file:$tool_log"
    fi
    java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "$log_opt" -cp "$(classpath)" "$@"
    ;;
  *) echo "usage: $0 start|stop|status|restart|fetch|logs|version|run-class" >&2; exit 2 ;;
esac
