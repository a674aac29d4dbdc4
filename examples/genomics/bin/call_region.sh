#!/usr/bin/env bash
# CallRegion (one Map item): bcftools mpileup | bcftools call over every
# sample's BAM, restricted to one region.
#
# Usage: call_region.sh INDEX REGION
# Environment: OUTDIR (absolute), REFERENCE, BAMS (JSON array of paths), FAIL_STEP.
# Result: {"region", "vcf", "variants"}
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || die "usage: call_region.sh INDEX REGION"
index=$1 region=$2
need OUTDIR REFERENCE BAMS
maybe_fail call

mapfile -t bams < <(json_strings "$BAMS")
[ "${#bams[@]}" -gt 0 ] || die "no BAMs to call from"
mkdir -p "$OUTDIR/calls"
vcf=$OUTDIR/calls/region-$(printf '%04d' "$index").vcf.gz
bcftools mpileup --threads "${SLURM_CPUS_PER_TASK:-1}" -f "$REFERENCE" -r "$region" \
    -a FORMAT/AD,FORMAT/DP -Ou "${bams[@]}" 2>"$vcf.log" |
  bcftools call -mv -Oz -o "$vcf" 2>>"$vcf.log"
bcftools index -f -t "$vcf"
variants=$(bcftools view -H "$vcf" | wc -l)
log "$region: $variants variants from ${#bams[@]} samples"
result "{\"region\":\"$region\",\"vcf\":\"$vcf\",\"variants\":$variants}"
