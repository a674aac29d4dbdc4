#!/usr/bin/env bash
# Report: counts from the merged VCF, checked against the planted SNPs. All
# counts but "variants" are of PASS calls (QUAL >= 20, see merge.sh).
# Written to OUTDIR/report.json and returned as the job's result.
#
# Environment: OUTDIR (absolute), VCF, TRUTH, SAMPLES and REGIONS (JSON arrays),
# FAIL_STEP.
# Result: {"outdir", "vcf", "report", "samples", "regions", "variants",
#   "variants_pass",
#   "variants_per_region": {REGION: n}, "per_sample": {S: {"variants",
#   "planted", "recovered", "genotype_match", "false_positives"}},
#   "planted_snps", "recovered_snps", "recovered_percent", "false_positives"}
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
need OUTDIR VCF TRUTH SAMPLES REGIONS
maybe_fail report

calls=$OUTDIR/calls/genotypes.tsv
bcftools view -f PASS "$VCF" | bcftools query -f '[%SAMPLE\t%CHROM\t%POS\t%ALT\t%GT\n]' - >"$calls"

per_region=""
for region in $(json_strings "$REGIONS"); do
  n=$(bcftools view -H -f PASS -r "$region" "$VCF" | wc -l)
  per_region="$per_region${per_region:+,}\"$region\":$n"
done
variants=$(bcftools view -H "$VCF" | wc -l)
passing=$(bcftools view -H -f PASS "$VCF" | wc -l)

# A planted SNP is recovered when the sample's call at its position is non-
# reference with the planted ALT allele; genotype_match also needs the planted
# zygosity (0/1 or 1/1).
per_sample=$(json_strings "$SAMPLES" | awk -v truth="$TRUTH" -v calls="$calls" '
  function gt(g) { gsub(/\|/, "/", g); return g }
  { order[++n] = $1 }
  END {
    while ((getline line < truth) > 0) {
      split(line, f, "\t"); k = f[1] SUBSEP f[2] SUBSEP f[3]
      planted[f[1]]++; t_alt[k] = f[5]; t_gt[k] = f[6]
    }
    while ((getline line < calls) > 0) {
      split(line, f, "\t"); g = gt(f[5])
      if (g !~ /[1-9]/) continue                     # 0/0 or ./.
      s = f[1]; k = s SUBSEP f[2] SUBSEP f[3]; called[s]++
      if (k in t_alt) {
        split(f[4], alts, ","); split(g, a, "/")
        idx = (a[2] != "0" && a[2] != ".") ? a[2] : a[1]
        if (alts[idx] == t_alt[k]) { rec[s]++; if (g == t_gt[k]) gm[s]++ }
        else fp[s]++
      } else fp[s]++
    }
    for (i = 1; i <= n; i++) {
      s = order[i]
      printf "%s\"%s\":{\"variants\":%d,\"planted\":%d,\"recovered\":%d,\"genotype_match\":%d,\"false_positives\":%d}",
        (i > 1 ? "," : ""), s, called[s], planted[s], rec[s], gm[s], fp[s]
    }
  }')
read -r planted recovered false_pos < <(printf '{%s}' "$per_sample" |
  grep -o '"planted":[0-9]*\|"recovered":[0-9]*\|"false_positives":[0-9]*' |
  awk -F: '/planted/ { p += $2 } /recovered/ { r += $2 } /false/ { f += $2 } END { print p + 0, r + 0, f + 0 }')
percent=$(awk -v r="$recovered" -v p="$planted" 'BEGIN { printf "%.1f", p ? 100 * r / p : 0 }')
nsamples=$(json_strings "$SAMPLES" | wc -l)
nregions=$(json_strings "$REGIONS" | wc -l)

report=$OUTDIR/report.json
json="{\"outdir\":\"$OUTDIR\",\"vcf\":\"$VCF\",\"report\":\"$report\",\"samples\":$nsamples,\"regions\":$nregions,\"variants\":$variants,\"variants_pass\":$passing,\"variants_per_region\":{$per_region},\"per_sample\":{$per_sample},\"planted_snps\":$planted,\"recovered_snps\":$recovered,\"recovered_percent\":$percent,\"false_positives\":$false_pos}"
printf '%s\n' "$json" >"$report"
log "$variants variants; $recovered of $planted planted SNPs recovered ($percent%); report: $report"
result "$json"
