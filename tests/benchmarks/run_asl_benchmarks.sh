#!/usr/bin/env bash
# Speed benchmark of the ASL core, side by side with the peer interpreter
# (npm aws-local-stepfunctions 3.x), on the same definitions and inputs.
# DESIGN.md §6 gives the targets; they are reported here, never asserted.
#
# usage: run_asl_benchmarks.sh HPCFLOW_BINARY [options]
#   --work-dir DIR    where the peer is installed and inputs/outputs are written
#                     (default: $HPCFLOW_BENCH_DIR, else
#                     ${XDG_CACHE_HOME:-$HOME/.cache}/hpcflow-bench)
#   --repeat N        hpcflow runs per workload, the fastest is kept (default 3)
#   --peer-repeat N   peer runs per workload, the fastest is kept (default 1)
#   --only LIST       comma-separated subset of: loop,map100k,map1m,loop-durable
#   --no-peer         do not install or run the peer (no comparison)
#   --timeout S       limit of one run, in seconds (default 900)
#
# Exit status: 0 when every run succeeded and hpcflow's outputs equal the
# peer's (and the expected output where the peer cannot run); 1 otherwise;
# 2 on bad usage or a missing tool.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
util="$here/bench_util.py"

usage() { sed -n '5,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[[ $# -ge 1 ]] || usage
hpcflow="$1"; shift
work="${HPCFLOW_BENCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hpcflow-bench}"
repeat=3
peer_repeat=1
only="loop,map100k,map1m,loop-durable"
use_peer=1
limit=900
while [[ $# -gt 0 ]]; do
  case "$1" in
    --work-dir) work="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --peer-repeat) peer_repeat="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --no-peer) use_peer=0; shift ;;
    --timeout) limit="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done

if [[ ! -x "$hpcflow" ]]; then
  echo "hpcflow binary not found or not executable: $hpcflow" >&2
  exit 2
fi
hpcflow="$(cd "$(dirname "$hpcflow")" && pwd)/$(basename "$hpcflow")"

# --- tools ------------------------------------------------------------------
for tool in python3 timeout; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done
if [[ $use_peer -eq 1 ]]; then
  for tool in node npm; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool (or pass --no-peer)" >&2; exit 2; }
  done
fi
if [[ ! -x /usr/bin/time ]]; then
  # GNU time measures the peak RSS. It belongs in contrib/install-deps.sh; until
  # then install it here when we can.
  echo "/usr/bin/time is missing: installing Debian package 'time'" >&2
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    apt-get install -y -qq time >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq time >/dev/null 2>&1; } ||
      { echo "could not install 'time'" >&2; exit 2; }
  else
    echo "run as root or install the Debian package 'time'" >&2
    exit 2
  fi
fi

mkdir -p "$work/inputs" "$work/out"
work="$(cd "$work" && pwd)"

# --- peer install -------------------------------------------------------------
peer_dir="$work/peer"
install_peer() {
  mkdir -p "$peer_dir"
  local stamp="$peer_dir/.installed-from"
  local want
  want="$(cat "$here/peer/package.json" "$here/peer/package-lock.json" 2>/dev/null | cksum)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" &&
        -f "$peer_dir/node_modules/aws-local-stepfunctions/package.json" ]]; then
    return 0
  fi
  echo "installing the peer (aws-local-stepfunctions) into $peer_dir ..." >&2
  cp "$here/peer/package.json" "$peer_dir/"
  if [[ -f "$here/peer/package-lock.json" ]]; then
    cp "$here/peer/package-lock.json" "$peer_dir/"
    (cd "$peer_dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  else
    (cd "$peer_dir" && npm install --no-audit --no-fund --loglevel=error >&2)
  fi
  echo "$want" > "$stamp"
}
peer_version="-"
if [[ $use_peer -eq 1 ]]; then
  install_peer
  peer_version="$(node -p "require('$peer_dir/node_modules/aws-local-stepfunctions/package.json').version")"
fi

# --- inputs -------------------------------------------------------------------
items_file() {  # COUNT -> path of the generated Map input
  local f="$work/inputs/items-$1.json"
  if [[ ! -s "$f" ]]; then
    python3 "$util" gen-items "$1" "$f.tmp" && mv "$f.tmp" "$f"
  fi
  echo "$f"
}

# --- one measured run -----------------------------------------------------------
# measure LABEL OUT -- COMMAND...: runs COMMAND with stdout to OUT and sets
# m_secs / m_cpu / m_kb to the wall time, CPU time (user + system) and peak
# RSS; returns the command's status.
measure() {
  local label="$1" out="$2"; shift 3
  local tf="$work/out/$label.time" ef="$work/out/$label.stderr"
  rm -f "$tf"
  rm -rf "$work/state"  # durable runs start from an empty store
  local rc=0
  timeout "$limit" /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" >"$out" 2>"$ef" || rc=$?
  if [[ $rc -ne 0 || ! -s "$tf" ]]; then
    echo "FAILED ($label, exit $rc): $*" >&2
    tail -n 5 "$ef" >&2 || true
    return 1
  fi
  # /usr/bin/time prints "Command exited with non-zero status" lines before the
  # figures when the command fails; the last line is the figures.
  local user sys
  read -r m_secs user sys m_kb < <(tail -n 1 "$tf")
  m_cpu="$(python3 -c "print(f'{$user + $sys:.2f}')")"
}

# best_of N LABEL OUT -- COMMAND...: the fastest of N runs (b_secs, b_cpu, b_kb).
best_of() {
  local n="$1" label="$2" out="$3"; shift 3
  b_secs=""; b_cpu=""; b_kb=""
  local i
  for ((i = 1; i <= n; i++)); do
    measure "$label.$i" "$out" "$@" || return 1
    echo "  $label run $i: ${m_secs} s wall, ${m_cpu} s CPU, $((m_kb / 1024)) MB" >&2
    if [[ -z "$b_secs" ]] || python3 -c "import sys; sys.exit(0 if $m_secs < $b_secs else 1)"; then
      b_secs="$m_secs"; b_cpu="$m_cpu"; b_kb="$m_kb"
    fi
  done
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo -)"
rows="$work/out/rows.tsv"
: > "$rows"
failed=0

# bench ID TITLE MODE DEFINITION INPUT TARGET SPEED_GOAL MEM_GOAL ABS_S ABS_MB PEER(0|1) MAP_COUNT
#   MODE: express (in memory, `run --express`) or durable (`run`: SQLite history)
bench() {
  local name="$1" title="$2" mode="$3" def="$4" input="$5" target="$6" speed_goal="$7"
  local mem_goal="$8" abs_s="$9" abs_mb="${10}" with_peer="${11}" map_count="${12}"
  local mode_flag=()
  [[ $mode == express ]] && mode_flag=(--express)
  local h_out="$work/out/$name.hpcflow.result.json" h_val="$work/out/$name.hpcflow.output.json"
  local p_out="$work/out/$name.peer.output.json"
  local h_s="-" h_cpu="-" h_kb="-" p_s="-" p_cpu="-" p_kb="-"
  echo "== $name: $title" >&2
  if best_of "$repeat" "$name.hpcflow" "$h_out" -- \
       "$hpcflow" run "$def" "${mode_flag[@]}" --input "@$input" --json --state-dir "$work/state" &&
     python3 "$util" hpcflow-output "$h_out" "$h_val"; then
    h_s="$b_secs"; h_cpu="$b_cpu"; h_kb="$b_kb"
  else
    failed=1
  fi
  if [[ $with_peer -eq 1 && $use_peer -eq 1 ]]; then
    if best_of "$peer_repeat" "$name.peer" "$p_out" -- \
         node "$here/peer/run-peer.mjs" --modules "$peer_dir" "$def" "$input"; then
      p_s="$b_secs"; p_cpu="$b_cpu"; p_kb="$b_kb"
      if [[ $h_s != "-" ]]; then
        if python3 "$util" compare "$h_val" "$p_out"; then
          echo "  outputs equal (hpcflow == peer)" >&2
        else
          echo "  OUTPUTS DIFFER: $h_val vs $p_out" >&2
          failed=1
        fi
      fi
    else
      failed=1
    fi
  fi
  if [[ -n "$map_count" && $h_s != "-" ]]; then
    if python3 "$util" expect-map "$map_count" "$h_val"; then
      echo "  output is the expected $map_count reshaped items" >&2
    else
      failed=1
    fi
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$title" "$target" \
    "$h_s" "$h_cpu" "$h_kb" "$p_s" "$p_cpu" "$p_kb" "$speed_goal" "$mem_goal" "$abs_s" "$abs_mb" \
    >> "$rows"
}

wl="$here/workloads"
IFS=',' read -r -a selected <<< "$only"
for w in "${selected[@]}"; do
  case "$w" in
    loop)
      bench loop "Pass+Choice loop, 100k iterations (200k transitions)" express \
        "$wl/pass_choice_loop.asl.json" "$wl/pass_choice_loop.input.json" \
        "≥ 50× faster" 50 - - - 1 "" ;;
    map100k)
      items="$(items_file 100000)" || exit 1
      bench map100k "Inline Map, 100k items, Pass body" express \
        "$wl/inline_map.asl.json" "$items" \
        "≥ 50× faster, ≤ 1/10 memory" 50 10 - - 1 100000 ;;
    map1m)
      items="$(items_file 1000000)" || exit 1
      bench map1m "Inline Map, 1M items, Pass body (hpcflow only)" express \
        "$wl/inline_map.asl.json" "$items" \
        "< 5 s, < 1 GB" - - 5 1024 0 1000000 ;;
    loop-durable)
      # 200,000 transitions at >= 100k transitions/s: under 2 s.
      bench loop-durable "Same loop, durable (Standard) history (hpcflow only)" durable \
        "$wl/pass_choice_loop.asl.json" "$wl/pass_choice_loop.input.json" \
        "≥ 100k transitions/s (< 2 s)" - - 2 - 0 "" ;;
    *) echo "unknown workload: $w (loop, map100k, map1m, loop-durable)" >&2; exit 2 ;;
  esac
done

echo
echo "ASL core benchmarks, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m)"
echo "hpcflow: $("$hpcflow" --version 2>/dev/null | head -n 1) ($hpcflow), best of $repeat"
echo "peer: aws-local-stepfunctions $peer_version on node $(node --version 2>/dev/null || echo -), best of $peer_repeat"
echo "load average before the runs: $load_before (figures are comparable only on an idle machine)"
echo "s = wall seconds of the whole process (start-up, parsing, run, printing), CPU = user + system"
echo "seconds, MB = peak RSS; ratios are peer / hpcflow; PASS/FAIL is judged on wall time"
echo "(and again on CPU time, which another load on the machine disturbs less)"
echo
python3 "$util" table "$rows"
echo
if [[ $failed -ne 0 ]]; then
  echo "RESULT: a run failed or outputs differ (see above)"
  exit 1
fi
if [[ $use_peer -eq 1 ]]; then
  echo "RESULT: all runs succeeded and outputs agree (targets are reported, not asserted)"
else
  echo "RESULT: all runs succeeded (peer not run; targets are reported, not asserted)"
fi
