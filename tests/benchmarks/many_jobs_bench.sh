#!/usr/bin/env bash
# Many small jobs (issue 16's target): N `true` jobs as a Map of
# hpcflow:::job:run.sync Tasks, side by side with `xargs -P $(nproc)` of the
# same N commands (the physical floor on this machine).
#
#   many_jobs_bench.sh HPCFLOW [--jobs N] [--backend local|fake] [--express]
#
# Prints, for hpcflow: wall time, the `run` process's own CPU (user+system of
# that process, sampled from /proc while it runs: the orchestrator's cost,
# not its jobs'), that CPU per job, peak RSS, the store's size; for xargs:
# wall time; and the ratio of the two walls (target: Standard within 2x,
# Express within 1.5x; server CPU <= 0.1 ms per job). A benchmark, not a
# test: nothing is asserted, but a run that does not succeed exits 1.
#
# The work directory is made under $TMPDIR (default /tmp). Each job makes a
# directory and a few files (the job directory contract), and ext4 spends
# much longer creating inodes for a while after many were deleted: a run
# right after another one on ext4 (whose files were just removed) can be
# 3x slower. Run the modes apart, or on tmpfs (TMPDIR=/dev/shm) to see the
# orchestration alone.
set -u
HPCFLOW=${1:?"usage: $0 HPCFLOW [--jobs N] [--backend local|fake] [--express]"}
shift
JOBS=10000 BACKEND=local EXPRESS=()
while [ $# -gt 0 ]; do
  case $1 in
    --jobs) JOBS=$2; shift 2 ;;
    --backend) BACKEND=$2; shift 2 ;;
    --express) EXPRESS=(--express); shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/sample_process.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hpcflow-manyjobs.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
jq -cn --argjson n "$JOBS" '{items: [range(0; $n)]}' >"$WORK/input.json"

start=$(date +%s%N)
"$HPCFLOW" run "$HERE/many_jobs/true_map.yaml" "${EXPRESS[@]}" --json --backend "$BACKEND" \
  --state-dir "$WORK/state" --input "@$WORK/input.json" >"$WORK/out.json" 2>"$WORK/err.log" &
pid=$!
sample_process "$pid"
cpu_ms=$SAMPLED_CPU_MS rss=$SAMPLED_RSS_KB
wait "$pid"
rc=$?
wall_ms=$(( ($(date +%s%N) - start) / 1000000 ))
store_kb=$(du -sk "$WORK/state" | cut -f1)

start=$(date +%s%N)
seq "$JOBS" | xargs -P "$(nproc)" -I{} sh -c true
xargs_ms=$(( ($(date +%s%N) - start) / 1000000 ))

mode=Standard
[ ${#EXPRESS[@]} -gt 0 ] && mode=Express
per() { awk -v a="$1" -v n="$JOBS" 'BEGIN {printf "%.3f", a / n}'; }
echo "many-jobs: $JOBS true jobs, $mode, backend=$BACKEND, exit $rc, output $(head -c 100 "$WORK/out.json")"
echo "  hpcflow wall:  $((wall_ms / 1000)).$(printf %03d $((wall_ms % 1000))) s ($(per "$wall_ms") ms per job)"
echo "  xargs -P $(nproc):   $((xargs_ms / 1000)).$(printf %03d $((xargs_ms % 1000))) s ($(per "$xargs_ms") ms per job)"
echo "  wall ratio:    $(awk -v a="$wall_ms" -v b="$xargs_ms" 'BEGIN {printf "%.1f", a / (b > 0 ? b : 1)}')x xargs (target: Standard <= 2x, Express <= 1.5x)"
echo "  server CPU:    ${cpu_ms} ms = $(per "$cpu_ms") ms per job (target <= 0.1 ms)"
echo "  peak RSS:      $((rss / 1024)) MB; store $((store_kb / 1024)) MB"
[ "$rc" -eq 0 ] || { tail -5 "$WORK/err.log" >&2; exit 1; }
