#!/usr/bin/env bash
# The README's first command (`make run`): sample from the bundled model, then
# train a small model for about a minute and sample from it.
# usage: scripts/demo.sh BIN_DIR [CORPUS]
# Without CORPUS (Makefile: DEMO_CORPUS), the training text is this project's own
# Swift sources (Sources/**/*.swift, about 0.5 MB) concatenated at run time into a
# temporary file: every clone has them, nothing is downloaded or committed, and
# the model learns to write Swift, as char-rnn's demo learned C from Linux.
# DEMO_STEPS (default 1000) sets the training steps.
set -euo pipefail
BIN="$1"; CORPUS="${2:-}"; STEPS="${DEMO_STEPS:-1000}"
case "$STEPS" in ''|*[!0-9]*) echo "demo: DEMO_STEPS must be a whole number of steps (got '$STEPS')" >&2; exit 1 ;; esac
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
if [ -z "$CORPUS" ]; then
  CORPUS="$OUT/charlstm-sources.txt"
  (cd "$ROOT" && find Sources -name '*.swift' -print0 | LC_ALL=C sort -z | xargs -0 cat) > "$CORPUS"
  WHAT="this project's Swift sources, $(($(wc -c < "$CORPUS") / 1000)) KB"
elif [ -f "$CORPUS" ]; then
  WHAT="DEMO_CORPUS"
else
  echo "demo: DEMO_CORPUS $CORPUS: no such file; leave it out to train on this project's sources" >&2
  exit 1
fi
echo "== charlstm sample --temp 0.8 --length 400 (bundled Shakespeare model)" >&2
"$BIN/charlstm" sample --temp 0.8 --length 400 --seed 1
echo
echo "== charlstm train $CORPUS ($WHAT; a small model, $STEPS steps)" >&2
"$BIN/charlstm" train "$CORPUS" --hidden 128 --layers 2 --seq 50 --steps "$STEPS" --eval-every $(((STEPS + 3) / 4)) --out "$OUT" --name demo
echo "== charlstm sample -m $OUT/demo-best.ckpt --temp 0.8 --length 300" >&2
"$BIN/charlstm" sample -m "$OUT/demo-best.ckpt" --temp 0.8 --length 300 --seed 1
echo
