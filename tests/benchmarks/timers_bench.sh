#!/usr/bin/env bash
# Timer precision under load (issue 16's target: Waits fire within 10 ms of
# their due time with 10,000 timers pending): a Map of N Waits, each until
# its own timestamp, the timestamps spread over S seconds starting LEAD
# seconds after the start, so that all N timers are pending at once and
# fall due one after another. Prints how late each Wait ended (its
# WaitStateExited event against its due time; the history has millisecond
# timestamps): median, 99th percentile and worst.
#
#   timers_bench.sh HPCFLOW [--waits N] [--spread S] [--lead LEAD]
#
# A benchmark, not a test: nothing is asserted; a run that fails exits 1.
set -u
HPCFLOW=${1:?"usage: $0 HPCFLOW [--waits N] [--spread S] [--lead LEAD]"}
shift
N=10000 SPREAD=10 LEAD=5
while [ $# -gt 0 ]; do
  case $1 in
    --waits) N=$2; shift 2 ;;
    --spread) SPREAD=$2; shift 2 ;;
    --lead) LEAD=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hpcflow-timers.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
/usr/bin/python3 - "$N" "$SPREAD" "$LEAD" >"$WORK/input.json" <<'PY'
import datetime, json, sys, time
n, spread, lead = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
t0 = time.time() + lead
def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")
print(json.dumps({"items": [{"i": i, "due": iso(t0 + spread * i / n)} for i in range(n)]}))
PY
"$HPCFLOW" run "$HERE/timers/spread_waits.yaml" --input "@$WORK/input.json" \
  --state-dir "$WORK/state" --json >"$WORK/out.json" 2>"$WORK/err.log"
rc=$?
[ "$rc" -eq 0 ] || { echo "the run failed (exit $rc)"; tail -5 "$WORK/err.log"; exit 1; }
id=$("$HPCFLOW" list --json --state-dir "$WORK/state" | jq -r '.[0].executionId')
"$HPCFLOW" history "$id" --json --state-dir "$WORK/state" >"$WORK/history.json"
/usr/bin/python3 - "$WORK/history.json" "$N" "$SPREAD" <<'PY'
import datetime, json, sys
def ms(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000
events = json.load(open(sys.argv[1]))
late = sorted(ms(e["timestamp"]) - ms(e["details"]["output"]["due"])
              for e in events if e["type"] == "WaitStateExited")
n = len(late)
print(f"timers: {n} of {sys.argv[2]} Waits, due one after another over {sys.argv[3]} s, all pending at once")
print(f"  lateness: median {late[n // 2]:.0f} ms, p99 {late[int(n * 0.99)]:.0f} ms, "
      f"worst {late[-1]:.0f} ms, early {sum(1 for x in late if x < 0)} (target: within 10 ms)")
PY
