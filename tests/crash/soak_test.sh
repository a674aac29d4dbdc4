#!/usr/bin/env bash
# Random kills: kill -9 of the server at 10 random moments while one workflow
# runs (a Map of many jobs between two Waits), restarting it each time. Then:
# SUCCEEDED, every job ran exactly once (0 lost, 0 twice), no job left
# running, and on Slurm the Map's array was submitted once (0 resubmitted).
#
#   soak_test.sh HPCFLOW BACKEND [SEED]    BACKEND: local (60 items of 0.4 s,
#                                          4 at a time) or slurm (a 200-item
#                                          array of 1 s jobs, 20 at a time)
source "$(dirname "$0")/../e2e/lib.sh" "$@"
BACKEND=${2:?backend}
SEED=${3:-$(( $(date +%s) % 100000 ))}
RANDOM=$SEED
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "$BACKEND" == slurm ]; then
  source "$HERE/../slurm/lib.sh"
  require_slurm_cluster
  ITEMS=200 CONCURRENCY=20 SECONDS_PER_JOB=1
else
  ITEMS=60 CONCURRENCY=4 SECONDS_PER_JOB=0.4
fi
KILLS=10
log "backend $BACKEND, seed $SEED (soak_test.sh HPCFLOW $BACKEND $SEED repeats this run)"

e2e_state_dir S
M=$S/marks
mkdir -p "$M"
start_soak_server() {
  "$HPCFLOW" server --state-dir "$S" --reconcile-seconds 1 >>"$S/server.log" 2>&1 </dev/null &
  SERVER_PID=$!
  disown "$SERVER_PID"
  wait_until 30 "the server" lock_names_pid "$S" "$SERVER_PID" || die "the server did not start"
}
start_soak_server
ID=$("$HPCFLOW" submit "$HERE/workflows/soak.yaml" --backend "$BACKEND" --state-dir "$S" \
  --input "{\"items\": [$(seq -s, 1 "$ITEMS")], \"concurrency\": $CONCURRENCY, \
\"seconds\": $SECONDS_PER_JOB, \"marks\": \"$M\"}")
[ -n "$ID" ] || die "submit printed no id"

kills=0
while [ "$kills" -lt "$KILLS" ] && ! is_final_status "$S" "$ID"; do
  # 0.2 to 2.2 s, in tenths, then kill and restart at once or after a pause.
  sleep "$(( RANDOM % 21 / 10 )).$(( RANDOM % 10 ))"
  is_final_status "$S" "$ID" && break
  kill9_server "$S" || break
  kills=$((kills + 1))
  log "kill $kills: $(find "$M" -name '*.txt' | wc -l) of $ITEMS jobs started"
  [ $((RANDOM % 2)) -eq 0 ] && sleep "0.$((RANDOM % 10))"
  start_soak_server
done
check "at least 5 kills landed while it ran ($kills)" test "$kills" -ge 5
expect_eq "the execution SUCCEEDED" SUCCEEDED "$(wait_final "$S" "$ID" 300)"
expect_eq "its output" "{\"count\":$ITEMS}" \
  "$("$HPCFLOW" status "$ID" --json --state-dir "$S" | jq -c .output)"
expect_eq "every job ran (0 lost)" "$ITEMS" "$(find "$M" -name '*.txt' | wc -l)"
twice=$(for f in "$M"/*.txt; do [ "$(wc -l <"$f")" -ne 1 ] && basename "$f"; done | paste -sd' ')
expect_eq "no job ran twice" "" "$twice"
if [ "$BACKEND" == slurm ]; then
  expect_eq "one sbatch: the array, never resubmitted" 1 \
    "$("$HPCFLOW" status "$ID" --json --state-dir "$S" | jq '.backendCommands.slurm.sbatch')"
fi
others() {
  e2e_pids_of_dir "$S" | while read -r p; do [ "$p" != "$SERVER_PID" ] && echo "$p"; done
}
wait_until 20 "the jobs' processes to end" eval '[ -z "$(others)" ]' || fail "no job left running"
e2e_finish
