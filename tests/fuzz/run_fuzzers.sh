#!/usr/bin/env bash
# Builds the libFuzzer targets, replays every saved regression input, then
# fuzzes each target for SECONDS (default 30) on a copy of its seed corpus.
#
#   tests/fuzz/run_fuzzers.sh [SECONDS]
#
# Exits non-zero when a regression input fails again or a fuzzer finds a
# crash, leak, timeout or out-of-memory; the reproducer's path is printed.
# Environment:
#   HPCFLOW_FUZZ_BUILD_DIR  build directory (default: <repo>/build/fuzz)
#   HPCFLOW_FUZZ_JOBS       parallel build jobs (default: 2)
#   HPCFLOW_FUZZ_TARGETS    targets to run (default: all)
#   HPCFLOW_FUZZ_KEEP       1 keeps the work directory (corpus, logs, artifacts)
#   HPCFLOW_FUZZ_ARGS       extra libFuzzer flags for the fuzzing runs (e.g. -jobs=2)
set -euo pipefail

seconds="${1:-30}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${HPCFLOW_FUZZ_BUILD_DIR:-$repo/build/fuzz}"
jobs="${HPCFLOW_FUZZ_JOBS:-2}"
targets="${HPCFLOW_FUZZ_TARGETS:-fuzz_definition fuzz_jsonpath_intrinsics fuzz_callback_body}"

corpus_of() {
  case "$1" in
    fuzz_definition) echo definition ;;
    fuzz_jsonpath_intrinsics) echo jsonpath ;;
    fuzz_callback_body) echo callback ;;
    *) echo "unknown fuzz target $1" >&2; exit 2 ;;
  esac
}

# The project libraries get coverage instrumentation and the sanitizers;
# the fuzz executables add -fsanitize=fuzzer themselves (CMakeLists.txt).
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
generator=()
if [[ ! -f "$build/CMakeCache.txt" ]] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
CC=clang CXX=clang++ cmake -S "$repo" -B "$build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHPCFLOW_FUZZ=ON -DHPCFLOW_TESTS=ON \
  -DHPCFLOW_BENCHMARKS=OFF "-DCMAKE_CXX_FLAGS=$flags" >/dev/null
# shellcheck disable=SC2086
cmake --build "$build" --parallel "$jobs" --target $targets

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

read -r -a extra_args <<<"${HPCFLOW_FUZZ_ARGS:-}"
work="$(mktemp -d "${TMPDIR:-/tmp}/hpcflow-fuzz.XXXXXX")"
if [[ "${HPCFLOW_FUZZ_KEEP:-0}" != 1 ]]; then trap 'rm -rf "$work"' EXIT; fi
failed=0

for target in $targets; do
  bin="$build/tests/fuzz/$target"
  # Regressions first: each saved input must run cleanly.
  shopt -s nullglob
  regressions=("$here/regressions/$target"/*)
  shopt -u nullglob
  if ((${#regressions[@]})); then
    echo "== $target: replaying ${#regressions[@]} regression input(s)"
    for file in "${regressions[@]}"; do
      if ! "$bin" -timeout=10 -rss_limit_mb=2048 "$file" >"$work/$target.regression.log" 2>&1; then
        echo "FAIL: $target regressed on $file" >&2
        tail -n 40 "$work/$target.regression.log" >&2
        failed=1
      fi
    done
  fi

  echo "== $target: fuzzing for ${seconds}s"
  corpus="$work/corpus-$target"
  artifacts="$work/artifacts-$target/"
  mkdir -p "$corpus" "$artifacts"
  cp -r "$here/corpus/$(corpus_of "$target")/." "$corpus/"
  log="$work/$target.log"
  set +e
  "$bin" "$corpus" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -dict="$here/asl.dict" -artifact_prefix="$artifacts" -print_final_stats=1 \
    "${extra_args[@]}" >"$log" 2>&1
  status=$?
  set -e
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" | sed 's/^/   /' || true
  shopt -s nullglob
  found=("$artifacts"*)
  shopt -u nullglob
  if ((status != 0 || ${#found[@]})); then
    failed=1
    echo "FAIL: $target exited with status $status" >&2
    grep -E 'ERROR: |SUMMARY: |runtime error' "$log" | head -n 5 >&2 || true
    for f in "${found[@]}"; do
      # Keep the reproducer even when the work directory is removed.
      mkdir -p "$build/fuzz-artifacts"
      cp "$f" "$build/fuzz-artifacts/"
      echo "reproducer: $build/fuzz-artifacts/$(basename "$f")" >&2
      echo "  rerun: $bin $build/fuzz-artifacts/$(basename "$f")" >&2
    done
    echo "full log: $log" >&2
    trap - EXIT  # keep the log
  fi
done

exit "$failed"
