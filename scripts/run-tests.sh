#!/usr/bin/env bash
# npm test: vitest (unit + integration), then one plain closing line
# "N passed, N failed, N skipped" that CI logs can be read by.
set -uo pipefail
cd "$(dirname "$0")/.."
results="$(mktemp -t dw-vitest-XXXXXX.json)"
trap 'rm -f "$results"' EXIT
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@"
code=$?
node -e '
  const fs = require("fs");
  try {
    const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const skipped = (r.numPendingTests || 0) + (r.numTodoTests || 0);
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  } catch (e) { console.log("0 passed, 1 failed"); }
' "$results"
exit $code
