#!/usr/bin/env bash
# A CI/CD step that waits for the rollout gate's verdict on a candidate model
# version: it asks `driftwatch gate` once a minute until the verdict is pass
# (exit 0) or fail (exit 1). The gate itself turns a lasting "inconclusive"
# into the policy's on_timeout after max_duration, so the loop ends on its
# own; GATE_TIMEOUT is only a safety net (exit 3 when it runs out, exit 2 on
# any error of the command).
#
#   deploy/ci/driftwatch-gate.sh MODEL CANDIDATE BASELINE [more driftwatch gate options]
#   e.g. deploy/ci/driftwatch-gate.sh fraud v13 v12 --policy canary
#
# Environment:
#   DRIFTWATCH     the command to run (default: driftwatch), e.g. "npx driftwatch"
#   GATE_INTERVAL  seconds between two questions (default 60)
#   GATE_TIMEOUT   give up after this many seconds (default 3600)
#   plus whatever driftwatch reads: DRIFTWATCH_CONFIG, DRIFTWATCH_CLICKHOUSE__URL, ...
set -uo pipefail

if [ "$#" -lt 3 ]; then
  echo "usage: $0 MODEL CANDIDATE BASELINE [driftwatch gate options]" >&2
  exit 2
fi
model=$1 candidate=$2 baseline=$3
shift 3
read -r -a cmd <<<"${DRIFTWATCH:-driftwatch}"
interval=${GATE_INTERVAL:-60}
deadline=$(( $(date +%s) + ${GATE_TIMEOUT:-3600} ))

while :; do
  "${cmd[@]}" gate --model "$model" --candidate "$candidate" --baseline "$baseline" "$@"
  code=$?
  case $code in
    0) echo "driftwatch gate: $model/$candidate passed against $baseline"; exit 0 ;;
    1) echo "driftwatch gate: $model/$candidate failed against $baseline" >&2; exit 1 ;;
    3) ;;
    *) echo "driftwatch gate: error (exit $code)" >&2; exit 2 ;;
  esac
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "driftwatch gate: still inconclusive after ${GATE_TIMEOUT:-3600}s" >&2
    exit 3
  fi
  echo "driftwatch gate: inconclusive, asking again in ${interval}s"
  sleep "$interval"
done
