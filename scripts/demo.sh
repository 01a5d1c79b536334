#!/usr/bin/env bash
# The README's first command: sample from the bundled model, then (when a corpus
# is at hand) train a small model for about a minute and sample from it.
set -euo pipefail
BIN="$1"; CORPUS="${2:-}"
echo "== charlstm sample --temp 0.8 --length 400 (bundled Shakespeare model)" >&2
"$BIN/charlstm" sample --temp 0.8 --length 400 --seed 1
echo
if [ -n "$CORPUS" ] && [ -f "$CORPUS" ]; then
  OUT="$(mktemp -d)"
  echo "== charlstm train $CORPUS (small model, about a minute) into $OUT" >&2
  "$BIN/charlstm" train "$CORPUS" --hidden 128 --layers 2 --seq 50 --steps 600 --eval-every 200 --out "$OUT" --name demo
  echo "== charlstm sample -m $OUT/demo-best.ckpt --temp 0.8 --length 300" >&2
  "$BIN/charlstm" sample -m "$OUT/demo-best.ckpt" --temp 0.8 --length 300 --seed 1
  echo
  rm -rf "$OUT"
else
  echo "(no corpus found for the training demo: corpora/get.sh tinyshakespeare fetches one)" >&2
fi
