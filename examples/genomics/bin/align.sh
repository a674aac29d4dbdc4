#!/usr/bin/env bash
# AlignSample (one Map item): bwa mem | samtools sort, then samtools index.
#
# Usage: align.sh SAMPLE R1 R2
# Environment: OUTDIR (absolute), REFERENCE, FLAKY, ATTEMPT ($$.State.RetryCount),
# FAIL_STEP. With FLAKY=true the first attempt fails the way a job on a node
# with a not-yet-mounted scratch would, and the Task's Retry runs it again.
# Result: {"sample", "bam", "reads", "mapped"}
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
[ $# -eq 3 ] || die "usage: align.sh SAMPLE R1 R2"
sample=$1 r1=$2 r2=$3
need OUTDIR REFERENCE
maybe_fail align
if [ "${FLAKY:-false}" = true ] && [ "${ATTEMPT:-0}" = 0 ]; then
  log "$sample: transient failure on attempt 1 (input flaky: true): scratch space not ready; retry"
  exit 75
fi

threads=${SLURM_CPUS_PER_TASK:-1}
mkdir -p "$OUTDIR/bam"
bam=$OUTDIR/bam/$sample.bam
bwa mem -t "$threads" -R "@RG\tID:$sample\tSM:$sample" "$REFERENCE" "$r1" "$r2" 2>"$OUTDIR/bam/$sample.bwa.log" |
  samtools sort -@ "$threads" -T "$OUTDIR/bam/$sample.sort" -o "$bam.tmp" -
mv "$bam.tmp" "$bam"
samtools index "$bam"

reads=$(samtools view -c -F 0x900 "$bam")
mapped=$(samtools view -c -F 0x904 "$bam")
log "$sample: $mapped of $reads reads mapped"
result "{\"sample\":\"$sample\",\"bam\":\"$bam\",\"reads\":$reads,\"mapped\":$mapped}"
