# Entry points for people and CI. The real work is in CMakePresets.json and
# contrib/*.sh; this file only strings them together.
#
#   make deps    install the Debian packages (no-op when all are there)
#   make build   configure + build the release preset (build/release)
#   make demo    install what is missing, build, then run the genomics example
#                (examples/genomics: bwa, samtools, bcftools) on the local backend
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

# The genomics example with its embedded defaults (no input), on the local
# backend: a few seconds; results in ./genomics-results.
demo: deps build
	$(HPCFLOW) --version
	$(HPCFLOW) run examples/genomics/genomics.yaml --backend local
	@echo
	@echo "demo: results in $(CURDIR)/genomics-results/"
	@echo "demo:   report.json       the counts above (variants per region and sample, planted SNPs recovered)"
	@echo "demo:   variants.vcf.gz   the merged calls (bcftools view $(CURDIR)/genomics-results/variants.vcf.gz)"
	@echo "demo:   bam/, calls/, reads/, reference/   the intermediate files"
	@echo "demo: the execution's history: $(HPCFLOW) list; $(HPCFLOW) history ID"

check: deps build
	contrib/run-tests.sh build/release
	tests/fuzz/run_fuzzers.sh 20
