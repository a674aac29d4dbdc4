#!/usr/bin/env bash
# The packages of contrib/: CPack's .deb from this build tree holds what
# `cmake --install` installs, under /usr, with its library dependencies
# found by dpkg-shlibdeps; the Spack recipe is valid Python that declares
# the CMake options the build has. (Spack itself is not installed here: the
# recipe is not built.)
# Usage: packaging_test.sh PATH_TO_HPCFLOW BUILD_DIR
# shellcheck disable=SC2154 source=../e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh" "$@"
BUILD_DIR=${2:?"usage: $0 PATH_TO_HPCFLOW BUILD_DIR"}
E2E_DEADLINE_S=${E2E_DEADLINE_S:-280}
ROOT=$(cd "$E2E_DIR/../.." && pwd)

e2e_state_dir work
if command -v cpack >/dev/null && command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null; then
  (cd "$work" && cpack --config "$BUILD_DIR/CPackConfig.cmake" -G DEB -B "$work/pkg") \
    >"$work/cpack.log" 2>&1
  expect_eq "cpack -G DEB" 0 "$?"
  deb=$(find "$work/pkg" -maxdepth 1 -name 'hpcflow_*.deb' | head -n1)
  check "a .deb was made" test -n "$deb"
  if [ -n "$deb" ]; then
    dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./||' >"$work/contents"
    for f in usr/bin/hpcflow usr/include/hpcflow/engine.h usr/lib/cmake/hpcflow/hpcflowConfig.cmake \
             usr/lib/pkgconfig/hpcflow.pc usr/share/man/man1/hpcflow.1 \
             usr/share/bash-completion/completions/hpcflow; do
      check "deb holds $f" grep -qx "$f" "$work/contents"
    done
    check "deb holds libhpcflow" grep -qE '^usr/lib/libhpcflow\.so' "$work/contents"
    depends=$(dpkg-deb -f "$deb" Depends)
    log "Depends: $depends"
    for lib in libcurl libyaml-cpp libsqlite3 libssl; do
      check "depends on $lib" grep -q "$lib" <<<"$depends"
    done
    expect_eq "package version" "$("$HPCFLOW" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+')" \
      "$(dpkg-deb -f "$deb" Version)"
  fi
else
  log "cpack/dpkg-deb/dpkg-shlibdeps missing: the .deb is not built (contrib/install-deps.sh)"
fi

recipe=$ROOT/contrib/spack/package.py
check "spack recipe compiles" /usr/bin/python3 -c "import ast,sys; ast.parse(open(sys.argv[1]).read())" "$recipe"
for option in HPCFLOW_TESTS HPCFLOW_BENCHMARKS; do
  check "spack recipe's $option is an option of the build" grep -q "option($option " "$ROOT/CMakeLists.txt"
  check "spack recipe sets $option" grep -q "\"$option\"" "$recipe"
done
if command -v spack >/dev/null; then
  log "spack found; building with it is left to a site (it fetches sources)"
fi

e2e_finish
