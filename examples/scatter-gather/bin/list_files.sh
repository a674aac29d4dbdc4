#!/usr/bin/env bash
# ListFiles (scatter): the regular files directly in INPUT_DIR, sorted. With
# INPUT_DIR empty, first makes OUTDIR/input with a few text files to count.
# Environment: OUTDIR, INPUT_DIR (both may be relative to where hpcflow runs;
# resolved here, once).
# Result: {"outdir", "input_dir", "files": [absolute paths]}
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
need OUTDIR INPUT_DIR
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
if [ -z "$INPUT_DIR" ]; then
  INPUT_DIR=$OUTDIR/input
  rm -rf "$INPUT_DIR"
  mkdir -p "$INPUT_DIR"
  # Four files of 60, 250, 600 and 1500 words (12 a line) from a small
  # vocabulary; the same every run.
  n=0
  for words in 60 250 600 1500; do
    n=$((n + 1))
    awk -v words="$words" -v seed="$n" 'BEGIN {
      srand(seed)
      nv = split("the a map state job node cluster queue array task scatter gather " \
            "word count file line slurm batch retry catch result output input", v, " ")
      for (i = 1; i <= words; i++) printf "%s%s", v[int(rand() * nv) + 1], (i % 12 && i < words ? " " : "\n")
    }' >"$INPUT_DIR/part-$n.txt"
  done
fi
[ -d "$INPUT_DIR" ] || die "input_dir '$INPUT_DIR' is not a directory"
INPUT_DIR=$(cd "$INPUT_DIR" && pwd)
files=""
count=0
while IFS= read -r f; do
  files="$files${files:+,}$(json_str "$f")"
  count=$((count + 1))
done < <(find "$INPUT_DIR" -mindepth 1 -maxdepth 1 -type f | LC_ALL=C sort)
[ "$count" -gt 0 ] || die "no files in $INPUT_DIR"
log "$count files in $INPUT_DIR"
result "{\"outdir\":$(json_str "$OUTDIR"),\"input_dir\":$(json_str "$INPUT_DIR"),\"files\":[$files]}"
