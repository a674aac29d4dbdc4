#!/usr/bin/env bash
# MakeReference: the synthetic reference genome, the SNPs planted per sample
# (the truth set), the BWA and FASTA indexes and the calling regions.
#
# Environment: OUTDIR (may be relative: it is resolved here, once, and every
# later job gets the absolute path from this job's result), SAMPLES, REGIONS,
# CONTIGS, CONTIG_LENGTH, SNPS_PER_SAMPLE, SEED, FAIL_STEP.
# Result: {"outdir", "reference", "truth", "samples": [names], "regions": [chr:from-to]}
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
need OUTDIR SAMPLES REGIONS CONTIGS CONTIG_LENGTH SNPS_PER_SAMPLE SEED
maybe_fail reference

for v in SAMPLES REGIONS CONTIGS CONTIG_LENGTH SNPS_PER_SAMPLE SEED; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer, got '${!v}'"
done
(( SAMPLES >= 1 && SAMPLES <= 100 )) || die "samples must be 1..100, got $SAMPLES"
(( CONTIGS >= 1 && CONTIGS <= 50 )) || die "contigs must be 1..50, got $CONTIGS"
(( CONTIG_LENGTH >= 2000 && CONTIG_LENGTH <= 5000000 )) || die "contig_length must be 2000..5000000"
(( REGIONS >= 1 && REGIONS <= 1000 )) || die "regions must be 1..1000, got $REGIONS"

mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
ref=$OUTDIR/reference/ref.fa
truth=$OUTDIR/reference/truth.tsv
# A re-run into the same directory starts clean (stale BAMs or VCFs of an
# earlier run with more samples would otherwise be mixed in).
rm -rf "$OUTDIR/reference" "$OUTDIR/reads" "$OUTDIR/bam" "$OUTDIR/calls" \
  "$OUTDIR/variants.vcf.gz" "$OUTDIR/variants.vcf.gz.tbi" "$OUTDIR/report.json" "$OUTDIR/FAILED.json"
mkdir -p "$OUTDIR/reference"

# Random contigs (no Ns), then SNPS_PER_SAMPLE SNPs per sample at distinct
# positions away from the contig ends (where coverage thins out); about a third
# are homozygous (1/1), the rest heterozygous (0/1). Seeded: the same SEED
# gives the same genome and truth set.
awk -v seed="$SEED" -v contigs="$CONTIGS" -v len="$CONTIG_LENGTH" \
    -v samples="$SAMPLES" -v snps="$SNPS_PER_SAMPLE" -v ref="$ref" -v truth="$truth" '
  BEGIN {
    srand(seed); split("A C G T", base, " ")
    for (c = 1; c <= contigs; c++) {
      name = "ctg" c; seq = ""
      for (i = 0; i < len; i++) seq = seq base[int(rand() * 4) + 1]
      print ">" name > ref
      for (i = 1; i <= len; i += 60) print substr(seq, i, 60) > ref
      contig[c] = seq
    }
    margin = 300
    for (s = 1; s <= samples; s++) {
      split("", used)
      for (k = 0; k < snps; k++) {
        do {
          c = int(rand() * contigs) + 1
          pos = margin + int(rand() * (len - 2 * margin)) + 1
        } while ((c, pos) in used)
        used[c, pos] = 1
        r = substr(contig[c], pos, 1)
        do { a = base[int(rand() * 4) + 1] } while (a == r)
        gt = rand() < 0.35 ? "1/1" : "0/1"
        printf "S%d\tctg%d\t%d\t%s\t%s\t%s\n", s, c, pos, r, a, gt > truth
      }
    }
  }'
[ -s "$truth" ] || : >"$truth"
sort -k1,1V -k2,2V -k3,3n -o "$truth" "$truth"

bwa index "$ref" 2>"$OUTDIR/reference/bwa-index.log"
samtools faidx "$ref"

# REGIONS calling regions: each contig gets REGIONS/CONTIGS pieces (the first
# REGIONS%CONTIGS contigs one more, every contig at least one).
regions=$(awk -v n="$REGIONS" -v c="$CONTIGS" '
  { k = int(n / c) + (NR <= n % c ? 1 : 0); if (k < 1) k = 1
    step = int(($2 + k - 1) / k)
    for (from = 1; from <= $2; from += step) {
      to = from + step - 1; if (to > $2) to = $2
      printf "%s\"%s:%d-%d\"", (out++ ? "," : ""), $1, from, to
    } }' "$ref.fai")
names=$(seq -f 'S%g' 1 "$SAMPLES" | sed 's/.*/"&"/' | paste -sd, -)

log "reference: $CONTIGS x $CONTIG_LENGTH bp, $(wc -l <"$truth") planted SNPs over $SAMPLES samples"
result "{\"outdir\":\"$OUTDIR\",\"reference\":\"$ref\",\"truth\":\"$truth\",\"samples\":[$names],\"regions\":[$regions]}"
