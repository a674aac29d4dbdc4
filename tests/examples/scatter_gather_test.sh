#!/usr/bin/env bash
# examples/scatter-gather end to end: the counts per file and in total match
# `wc`, for the generated default input and for a directory with awkward file
# names (spaces, quotes, commas).
# Usage: scatter_gather_test.sh PATH_TO_HPCFLOW
# e2e_state_dir assigns the variable it is given; jq programs are in single quotes.
# shellcheck disable=SC2154,SC2016 source=../e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh" "$@"
E2E_DEADLINE_S=${E2E_DEADLINE_S:-110}

WORKFLOW=$(cd "$E2E_DIR/../../examples/scatter-gather" && pwd)/scatter-gather.yaml

# check_counts NAME OUT_JSON DIR: the output matches wc over DIR's files.
check_counts() {
  local name=$1 out=$2 dir=$3 f n=0
  expect_eq "$name: status" SUCCEEDED "$(jq -r .status "$out")"
  while IFS= read -r -d '' f; do
    n=$((n + 1))
    expect_eq "$name: words of $(basename "$f")" "$(wc -w <"$f")" \
      "$(jq --arg f "$f" '.output.per_file[] | select(.file == $f) | .words' "$out")"
    expect_eq "$name: lines of $(basename "$f")" "$(wc -l <"$f")" \
      "$(jq --arg f "$f" '.output.per_file[] | select(.file == $f) | .lines' "$out")"
  done < <(find "$dir" -mindepth 1 -maxdepth 1 -type f -print0)
  expect_eq "$name: one count per file" "$n" "$(jq '.output.per_file | length' "$out")"
  expect_eq "$name: file total" "$n" "$(jq '.output.total.files' "$out")"
  expect_eq "$name: word total" "$(find "$dir" -mindepth 1 -maxdepth 1 -type f -exec cat {} + | wc -w)" \
    "$(jq '.output.total.words' "$out")"
  expect_eq "$name: byte total" "$(find "$dir" -mindepth 1 -maxdepth 1 -type f -exec cat {} + | wc -c)" \
    "$(jq '.output.total.bytes' "$out")"
}

# ---- the default input: a directory the example makes
e2e_state_dir work
"$HPCFLOW" run "$WORKFLOW" --input "{\"outdir\":\"$work/out\"}" --json --state-dir "$work/state" \
  >"$work/out.json" 2>"$work/err.log" </dev/null
expect_eq "default: exit code" 0 "$?"
log "output: $(head -c 300 "$work/out.json")"
expect_eq "default: input made in OUTDIR/input" "$work/out/input" "$(jq -r .output.input_dir "$work/out.json")"
expect_eq "default: 4 files" 4 "$(find "$work/out/input" -type f | wc -l)"
check_counts default "$work/out.json" "$work/out/input"
expect_eq "default: 2410 words" 2410 "$(jq '.output.total.words' "$work/out.json")"
check "default: wordcount.tsv written, with the total" \
  grep -q "^total	[0-9]*	2410	" "$work/out/wordcount.tsv"

# ---- a directory of the user's, with awkward names
e2e_state_dir own
mkdir -p "$own/my texts/sub"
printf 'one two three\nfour\n' >"$own/my texts/a file with spaces.txt"
printf 'say "hi", then go\n' >"$own/my texts/quote\"d, comma.txt"
printf '' >"$own/my texts/empty.txt"
printf 'not counted: in a subdirectory\n' >"$own/my texts/sub/deeper.txt"
"$HPCFLOW" run "$WORKFLOW" --input "{\"outdir\":\"$own/out\",\"input_dir\":\"$own/my texts\"}" \
  --json --state-dir "$own/state" >"$own/out.json" 2>"$own/err.log" </dev/null
expect_eq "own: exit code" 0 "$?"
log "output: $(head -c 300 "$own/out.json")"
check_counts own "$own/out.json" "$own/my texts"
expect_eq "own: 3 files (not the subdirectory's)" 3 "$(jq '.output.total.files' "$own/out.json")"

e2e_finish
