#!/usr/bin/env bash
# MergeCalls: bcftools concat of the per-region VCFs (in region order) into
# OUTDIR/variants.vcf.gz, plus its index. Calls with QUAL < 20 (mostly
# sequencing errors) stay in the file with FILTER=LowQual.
#
# Environment: OUTDIR (absolute), VCFS (JSON array of paths), FAIL_STEP.
# Result: {"vcf", "variants", "variants_pass"}
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
need OUTDIR VCFS
maybe_fail merge

mapfile -t vcfs < <(json_strings "$VCFS")
[ "${#vcfs[@]}" -gt 0 ] || die "no VCFs to merge"
out=$OUTDIR/variants.vcf.gz
bcftools concat -Ou "${vcfs[@]}" |
  bcftools filter -s LowQual -e 'QUAL<20' -Oz -o "$out.tmp.vcf.gz"
mv "$out.tmp.vcf.gz" "$out"
bcftools index -f -t "$out"
variants=$(bcftools view -H "$out" | wc -l)
passing=$(bcftools view -H -f PASS "$out" | wc -l)
log "merged ${#vcfs[@]} regions: $variants variants ($passing PASS) in $out"
result "{\"vcf\":\"$out\",\"variants\":$variants,\"variants_pass\":$passing}"
