#!/usr/bin/env bash
# Builds and runs Examples/ (a package that depends on charlstm by path, as a
# dependent program would) and checks its output: the training progress, a
# sample that continues its prime, and a lower score for the trained-on rhyme
# than for noise. Prints one line "example package: ok" or what went wrong.
set -uo pipefail
cd "$(dirname "$0")/../Examples" || exit 1
# The program's own objects are rebuilt every time (seconds): SwiftPM's incremental
# build does not notice a change in a module the CharLSTM facade re-exports.
rm -rf .build/debug/TrainSampleScore.build
# An incremental build that fails (e.g. files moved between charlstm's modules,
# which SwiftPM does not re-plan for a dependency) is retried from scratch once.
if ! build=$(swift build --product TrainSampleScore 2>&1); then
  rm -rf .build
  if ! build=$(swift build --product TrainSampleScore 2>&1); then
    echo "$build" | grep -E "error" | head -20 >&2
    echo "example package: FAILED to build" >&2; exit 1
  fi
fi
out=$(.build/debug/TrainSampleScore 2>&1); rc=$?
fail() { echo "$out" >&2; echo "example package: FAILED ($1)" >&2; exit 1; }
[ "$rc" -eq 0 ] || fail "exit status $rc"
echo "$out" | grep -qE '^step 25: [0-9.]+ bits per grapheme$' || fail "no progress at step 25"
echo "$out" | grep -qE '^step 50: [0-9.]+ bits per grapheme$' || fail "no progress at step 50"
echo "$out" | grep -qE '^trained 50 steps; validation [0-9.]+ bits per grapheme$' || fail "no run summary"
echo "$out" | grep -qE '^sample: one.' || fail "no sample"
echo "$out" | awk '/^score: rhyme/ { r = $3; n = $8; ok = (r + 0 < n + 0) } END { exit !ok }' \
  || fail "the rhyme does not score better than noise"
echo "example package: ok"
