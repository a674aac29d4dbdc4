# Entry points for people and CI. The real work is in CMakePresets.json and
# contrib/*.sh; this file only strings them together.
#
#   make deps    install the Debian packages (no-op when all are there)
#   make build   configure + build the release preset (build/release)
#   make demo    build, then run examples/hello with the hpcflow CLI
#   make check   build, then run every test against a throwaway Slurm cluster,
#                then the fuzz targets briefly (20 s each, clang build in build/fuzz)

# Coarse steps that must run in order (deps before build before tests), even
# under `make -j`.
.NOTPARALLEL:
.PHONY: deps build demo check

# 2 cores: never more than 2 compile jobs.
JOBS ?= 2
HPCFLOW := build/release/orchestrator/hpcflow

deps:
	contrib/install-deps.sh

build:
	cmake --preset release
	cmake --build --preset release -j$(JOBS)

demo: deps build
	$(HPCFLOW) --version
	$(HPCFLOW) run examples/hello/hello.yaml --json

check: deps build
	contrib/run-tests.sh build/release
	tests/fuzz/run_fuzzers.sh 20
