#!/usr/bin/env bash
# Gather: combines the per-file counts into OUTDIR/wordcount.tsv (one line per
# file, then the total) and returns the totals.
# Environment: OUTDIR (absolute), FILES, LINES, WORDS, BYTES (JSON arrays, one
# entry per file, in the same order).
# Result: {"files", "lines", "words", "bytes", "largest", "table"}
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
need OUTDIR FILES LINES WORDS BYTES
mapfile -t files < <(json_items "$FILES")
mapfile -t lines < <(json_items "$LINES")
mapfile -t words < <(json_items "$WORDS")
mapfile -t bytes < <(json_items "$BYTES")
n=${#files[@]}
[ "${#lines[@]}" -eq "$n" ] && [ "${#words[@]}" -eq "$n" ] && [ "${#bytes[@]}" -eq "$n" ] ||
  die "the count lists differ in length"
table=$OUTDIR/wordcount.tsv
tl=0 tw=0 tb=0 largest="" most=-1
{
  printf 'file\tlines\twords\tbytes\n'
  for ((i = 0; i < n; i++)); do
    printf '%s\t%s\t%s\t%s\n' "${files[i]}" "${lines[i]}" "${words[i]}" "${bytes[i]}"
    tl=$((tl + lines[i])) tw=$((tw + words[i])) tb=$((tb + bytes[i]))
    if [ "${words[i]}" -gt "$most" ]; then most=${words[i]} largest=${files[i]}; fi
  done
  printf 'total\t%s\t%s\t%s\n' "$tl" "$tw" "$tb"
} >"$table"
log "$n files, $tw words; table: $table"
result "{\"files\":$n,\"lines\":$tl,\"words\":$tw,\"bytes\":$tb,\"largest\":$(json_str "$largest"),\"table\":$(json_str "$table")}"
