#!/usr/bin/env bash
# The installed package as a user gets it: `cmake --install` into a fresh
# prefix, then examples/embedding/cpp (a separate CMake project) finds it with
# find_package(hpcflow), builds and runs its pipeline; a pkg-config build of
# the same program works too; the man page, completions and version file are
# where they belong, and the completions offer what the binary's help says.
# Usage: embedding_cpp_test.sh PATH_TO_HPCFLOW BUILD_DIR
# shellcheck disable=SC2154 source=../e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh" "$@"
BUILD_DIR=${2:?"usage: $0 PATH_TO_HPCFLOW BUILD_DIR"}
E2E_DEADLINE_S=${E2E_DEADLINE_S:-280}
EXAMPLE=$(cd "$E2E_DIR/../../examples/embedding/cpp" && pwd)

e2e_state_dir work
prefix=$work/prefix
cmake --install "$BUILD_DIR" --prefix "$prefix" >"$work/install.log" 2>&1 ||
  die "cmake --install failed: $(tail -5 "$work/install.log")"
for f in bin/hpcflow include/hpcflow/hpcflow.h include/hpcflow/version.h lib/libhpcflow.so \
         lib/cmake/hpcflow/hpcflowConfig.cmake lib/cmake/hpcflow/hpcflowConfigVersion.cmake \
         lib/pkgconfig/hpcflow.pc share/man/man1/hpcflow.1 \
         share/bash-completion/completions/hpcflow share/zsh/site-functions/_hpcflow; do
  check "installed: $f" test -e "$prefix/$f"
done
# The headers stand alone: nothing of the source tree leaks into them.
check "public headers include only hpcflow/ and the standard library" \
  test -z "$(grep -h '#include "' "$prefix"/include/hpcflow/*.h | grep -v '"hpcflow/')"

# ---- find_package(hpcflow) from a separate project, moved prefix and all
mv "$prefix" "$work/moved"
prefix=$work/moved
cmake -S "$EXAMPLE" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  >"$work/configure.log" 2>&1 || die "configure failed: $(tail -20 "$work/configure.log")"
cmake --build "$work/build" >"$work/build.log" 2>&1 || die "build failed: $(tail -20 "$work/build.log")"
# No HPCFLOW_BINARY: the library finds the binary installed beside it.
(cd "$work" && env -u HPCFLOW_BINARY PATH=/usr/bin:/bin "$work/build/qc_pipeline" \
  "$EXAMPLE/pipeline.yaml" "$work/state") >"$work/out.json" 2>"$work/err.log"
expect_eq "pipeline exit code" 0 "$?"
log "pipeline: $(tr '\n' ' ' <"$work/out.json" | head -c 300)"
expect_eq "passed" '["s1","s3"]' "$(jq -c '[.passed[].id]' "$work/out.json")"
expect_eq "failed" '["s2"]' "$(jq -c '[.failed[].id]' "$work/out.json")"
expect_eq "lengths counted by the jobs" '[8,10,8]' \
  "$(jq -c '[.passed[].length, .failed[].length]' "$work/out.json")"
check "progress heard through Subscribe" grep -qE "task [0-9]+ done" "$work/err.log"
# The execution is in the state directory, for the CLI too.
expect_eq "status from the CLI" SUCCEEDED \
  "$("$prefix/bin/hpcflow" list --json --state-dir "$work/state" | jq -r '.[0].status')"

# ---- pkg-config
PKG_CONFIG_PATH=$prefix/lib/pkgconfig
export PKG_CONFIG_PATH
expect_eq "pkg-config version" "$("$HPCFLOW" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+')" \
  "$(pkg-config --modversion hpcflow)"
# The .pc file is relative to itself: it works from the moved tree.
check "pkg-config points into the moved prefix" \
  test "$(cd "$(pkg-config --variable=includedir hpcflow)" && pwd)" == "$prefix/include"
# shellcheck disable=SC2046
g++ -o "$work/qc_pc" "$EXAMPLE/main.cc" $(pkg-config --cflags --libs hpcflow) \
  -Wl,-rpath,"$prefix/lib" >"$work/pc.log" 2>&1
expect_eq "pkg-config build" 0 "$?"
[ -s "$work/pc.log" ] && log "pkg-config build said: $(head -c 500 "$work/pc.log")"

# ---- the version file refuses an incompatible request
mkdir -p "$work/wrong"
cat >"$work/wrong/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(wrong LANGUAGES CXX)
find_package(hpcflow 9.0 REQUIRED)
CMAKE
if cmake -S "$work/wrong" -B "$work/wrong/b" -DCMAKE_PREFIX_PATH="$prefix" >"$work/wrong.log" 2>&1; then
  fail "find_package(hpcflow 9.0) should fail against $(pkg-config --modversion hpcflow)"
fi

# ---- completions and man page follow the binary's help
# shellcheck disable=SC1091
source "$prefix/share/bash-completion/completions/hpcflow"
complete_words() {  # WORD...: what _hpcflow offers for the last one
  COMP_WORDS=("$prefix/bin/hpcflow" "$@")
  COMP_CWORD=$#
  COMPREPLY=()
  _hpcflow
  printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}
expect_eq "bash: commands starting st" "status stop " "$(complete_words st)"
expect_eq "bash: flags of submit starting --e" "--express " "$(complete_words submit --e)"
expect_eq "bash: callback kinds" "failure " "$(complete_words callback f)"
for command in $("$HPCFLOW" --help | sed -n '/^commands:/,/^$/p' | grep -oE '^  [a-z][a-z-]+'); do
  check "man page documents $command" grep -q "^\.SS $command\$" "$prefix/share/man/man1/hpcflow.1"
  check "$command --help exits 0" "$HPCFLOW" "$command" --help
done
check "man renders" sh -c "man -l '$prefix/share/man/man1/hpcflow.1' >/dev/null 2>&1 || ! command -v man"

e2e_finish
