#!/bin/sh
# Runs one redfill command (a shard of a fill, or the verify of the union) and prints its JSON
# report on stdout between marker lines, so that the pod's log (`kubectl logs`) carries the
# report and `deno task report merge` can read it from there:
#
#   ----- BEGIN REDFILL REPORT -----
#   { "schemaVersion": 2, … }
#   ----- END REDFILL REPORT -----
#
# Usage: deploy/shard-report.sh fill --shard auto --cluster --url redis://… -d 64GiB --no-verify
#
# Everything else redfill prints (progress, messages, errors) goes to stderr. The exit code is
# redfill's. SIGTERM (a pod being stopped) is passed on: the fill stops, runs its barrier and
# still reports what it wrote. The report file is $REDFILL_REPORT, or a temporary file.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
report=${REDFILL_REPORT:-$(mktemp)}
rm -f "$report"
deno run --allow-all --v8-flags=--max-semi-space-size=2 "$root/tasks/redfill.ts" "$@" \
  --report json --out "$report" </dev/null &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null' TERM
trap 'kill -INT "$pid" 2>/dev/null' INT
wait "$pid"
code=$?
# A signal interrupts wait; wait again for redfill to finish its barrier and report.
while kill -0 "$pid" 2>/dev/null; do
  wait "$pid"
  code=$?
done
if [ -s "$report" ]; then
  echo "----- BEGIN REDFILL REPORT -----"
  cat "$report"
  echo "----- END REDFILL REPORT -----"
fi
[ -n "${REDFILL_REPORT:-}" ] || rm -f "$report"
exit "$code"
