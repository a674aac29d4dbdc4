#!/usr/bin/env bash
# The Python package as a user installs it: the C++ package goes into a fresh
# prefix (cmake --install), then `pip install --no-index ./python` builds the
# bindings offline into a venv with Debian's pybind11 and setuptools; its unit
# tests (python/tests) and examples/embedding/python run against the real
# engine.
# Usage: embedding_python_test.sh PATH_TO_HPCFLOW BUILD_DIR
# shellcheck disable=SC2154 source=../e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh" "$@"
BUILD_DIR=${2:?"usage: $0 PATH_TO_HPCFLOW BUILD_DIR"}
E2E_DEADLINE_S=${E2E_DEADLINE_S:-280}
ROOT=$(cd "$E2E_DIR/../.." && pwd)
PY=/usr/bin/python3  # Debian's, with python3-pybind11 (the pyenv shim has none)
"$PY" -c 'import pybind11, setuptools' 2>/dev/null ||
  { echo "skipped: needs python3-pybind11 and python3-setuptools (contrib/install-deps.sh)"; exit 77; }

e2e_state_dir work
prefix=$work/prefix
cmake --install "$BUILD_DIR" --prefix "$prefix" >"$work/install.log" 2>&1 ||
  die "cmake --install failed: $(tail -5 "$work/install.log")"
"$PY" -m venv --system-site-packages "$work/venv" >"$work/venv.log" 2>&1 ||
  die "venv failed: $(tail -5 "$work/venv.log")"
# Built from a copy: a setup.py build writes build/ beside its sources.
cp -r "$ROOT/python" "$work/python"
PKG_CONFIG_PATH=$prefix/lib/pkgconfig "$work/venv/bin/pip" install --no-index --no-cache-dir \
  "$work/python" >"$work/pip.log" 2>&1
expect_eq "pip install --no-index ./python" 0 "$?"
[ "$E2E_FAILURES" -eq 0 ] || die "pip said: $(tail -20 "$work/pip.log")"
expect_eq "the package's version" "$("$HPCFLOW" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+')" \
  "$(cd "$work" && "$work/venv/bin/python" -c 'import hpcflow; print(hpcflow.__version__)')"

# The installed package's own tests, from outside the source tree.
(cd "$work" && env -u HPCFLOW_BINARY "$work/venv/bin/python" -m unittest discover \
  -s "$ROOT/python/tests" -v) >"$work/unittest.log" 2>&1
expect_eq "python unit tests" 0 "$?"
log "unittest: $(tail -3 "$work/unittest.log" | tr '\n' ' ')"
grep -E "(FAIL|ERROR):" "$work/unittest.log" >&2

# The example pipeline.
(cd "$work" && env -u HPCFLOW_BINARY "$work/venv/bin/python" \
  "$ROOT/examples/embedding/python/qc_pipeline.py" "$ROOT/examples/embedding/cpp/pipeline.yaml" \
  "$work/state") >"$work/out.json" 2>"$work/err.log"
expect_eq "example exit code" 0 "$?"
log "example: $(head -c 300 "$work/out.json")"
expect_eq "passed" '["s1","s3"]' "$(jq -c '[.result.passed[].id]' "$work/out.json")"
expect_eq "failed" '["s2"]' "$(jq -c '[.result.failed[].id]' "$work/out.json")"
expect_eq "lengths counted by jobs" '[8,10,8]' \
  "$(jq -c '[.result.passed[].length, .result.failed[].length]' "$work/out.json")"
expect_eq "a TaskError is the task's ASL error" '"QC.EmptySample"' \
  "$(jq -c '.empty_sample_error' "$work/out.json")"

e2e_finish
