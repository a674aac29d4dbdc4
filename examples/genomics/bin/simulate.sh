#!/usr/bin/env bash
# SimulateReads: paired-end reads (2 x 100 bp) for every sample, from
# the reference with that sample's planted SNPs (truth.tsv), at COVERAGE x,
# with a 0.2% sequencing error rate. Debian 12 has no wgsim, so this is a small
# awk read simulator; it is seeded, so reads are reproducible.
#
# Environment: OUTDIR (absolute), REFERENCE, TRUTH, SAMPLES (JSON array of
# names), COVERAGE, SEED, FAIL_STEP.
# Result: {"reads": [{"sample", "r1", "r2", "pairs"}]}
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
need OUTDIR REFERENCE TRUTH SAMPLES COVERAGE SEED
maybe_fail simulate
if ! [[ "$COVERAGE" =~ ^[0-9]+$ ]] || (( COVERAGE < 1 || COVERAGE > 200 )); then
  die "coverage must be 1..200, got '$COVERAGE'"
fi

mkdir -p "$OUTDIR/reads"
json=""
i=0
for sample in $(json_strings "$SAMPLES"); do
  i=$((i + 1))
  r1=$OUTDIR/reads/${sample}_1.fq
  r2=$OUTDIR/reads/${sample}_2.fq
  awk -v seed="$((SEED * 1000 + i))" -v sample="$sample" -v cov="$COVERAGE" \
      -v rlen=100 -v err=0.002 -v r1="$r1" -v r2="$r2" -v truth="$TRUTH" \
      -v pairsfile="$OUTDIR/reads/${sample}.pairs" '
    function revcomp(s,   out, j) {
      out = ""
      for (j = length(s); j >= 1; j--) out = out comp[substr(s, j, 1)]
      return out
    }
    function mutate(s,   out, j, b) {
      out = ""
      for (j = 1; j <= length(s); j++) {
        b = substr(s, j, 1)
        if (rand() < err) { do { b2 = base[int(rand() * 4) + 1] } while (b2 == b); b = b2 }
        out = out b
      }
      return out
    }
    BEGIN {
      srand(seed); split("A C G T", base, " ")
      comp["A"] = "T"; comp["C"] = "G"; comp["G"] = "C"; comp["T"] = "A"
      while ((getline line < truth) > 0) {
        split(line, f, "\t")
        if (f[1] != sample) continue
        n_snp++; snp_c[n_snp] = f[2]; snp_p[n_snp] = f[3]; snp_a[n_snp] = f[5]; snp_gt[n_snp] = f[6]
      }
    }
    /^>/ { name = substr($1, 2); names[++n] = name; next }
    { seq[name] = seq[name] $0 }
    END {
      qual = ""; for (j = 0; j < rlen; j++) qual = qual "I"
      total = 0
      for (c = 1; c <= n; c++) {
        name = names[c]; h1 = seq[name]; h2 = h1
        for (k = 1; k <= n_snp; k++) {
          if (snp_c[k] != name) continue
          p = snp_p[k]
          h2 = substr(h2, 1, p - 1) snp_a[k] substr(h2, p + 1)
          if (snp_gt[k] == "1/1") h1 = substr(h1, 1, p - 1) snp_a[k] substr(h1, p + 1)
        }
        len = length(h1)
        pairs = int(len * cov / (2 * rlen))
        for (r = 0; r < pairs; r++) {
          frag = 250 + int(rand() * 100)
          start = 1 + int(rand() * (len - frag + 1))
          hap = rand() < 0.5 ? h1 : h2
          a = substr(hap, start, rlen)
          b = revcomp(substr(hap, start + frag - rlen, rlen))
          if (rand() < 0.5) { t = a; a = b; b = t }
          id = sample ":" name ":" start ":" (++total)
          printf "@%s/1\n%s\n+\n%s\n", id, mutate(a), qual > r1
          printf "@%s/2\n%s\n+\n%s\n", id, mutate(b), qual > r2
        }
      }
      print total > pairsfile
    }' "$REFERENCE"
  pairs=$(cat "$OUTDIR/reads/${sample}.pairs")
  json="$json${json:+,}{\"sample\":\"$sample\",\"r1\":\"$r1\",\"r2\":\"$r2\",\"pairs\":$pairs}"
done
log "simulated reads for $i samples at ${COVERAGE}x"
result "{\"reads\":[$json]}"
