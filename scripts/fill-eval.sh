#!/bin/sh
# fill-eval.sh: how many masked graphemes `charlstm fill` restores.
#
#   scripts/fill-eval.sh TEXT MODEL.ckpt [MODEL2.ckpt ...]
#
# Masks RATE (default 0.05) of the characters of TEXT at random (seed SEED,
# default 1) with a mask character that TEXT does not contain, runs
# `charlstm fill -m MODEL` on the result for each model, and prints one line
# per model: its direction and the fraction of holes filled with the right
# character. A left-to-right model fills from the left context only, so the
# same script measures what the right context adds.
#
# Characters are Unicode code points; for ASCII text such as tinyshakespeare
# they are exactly the graphemes charlstm sees. Environment: CHARLSTM (the
# executable, default .build/release/charlstm), RATE, SEED.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 TEXT MODEL.ckpt [MODEL2.ckpt ...]" >&2; exit 2; }
text=$1; shift
charlstm=${CHARLSTM:-.build/release/charlstm}
rate=${RATE:-0.05}
seed=${SEED:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$text" "$rate" "$seed" "$work" <<'EOF'
import random, sys
text = open(sys.argv[1], encoding="utf-8").read()
rate, seed, work = float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
mask = next(c for c in "\u00a4\u00b6\u2042\u2317" if c not in text)
rng = random.Random(seed)
holes = sorted(rng.sample(range(len(text)), round(rate * len(text))))
masked = list(text)
for h in holes: masked[h] = mask
open(f"{work}/masked.txt", "w", encoding="utf-8").write("".join(masked))
open(f"{work}/mask", "w", encoding="utf-8").write(mask)
print(f"{len(holes)} of {len(text)} characters masked (rate {rate}, seed {seed})", file=sys.stderr)
EOF

for model in "$@"; do
    start=$(date +%s.%N)
    "$charlstm" fill -m "$model" --mask "$(cat "$work/mask")" < "$work/masked.txt" > "$work/filled.txt" 2> "$work/stderr" \
        || { cat "$work/stderr" >&2; exit 1; }
    end=$(date +%s.%N)
    direction=$("$charlstm" info --json "$model" | python3 -c 'import json,sys; print(json.load(sys.stdin)["direction"])')
    python3 - "$text" "$work/masked.txt" "$work/filled.txt" "$work/mask" "$model" "$direction" "$start" "$end" <<'EOF'
import sys
text, masked, filled = (open(p, encoding="utf-8").read() for p in sys.argv[1:4])
mask = open(sys.argv[4], encoding="utf-8").read()
holes = [i for i, c in enumerate(masked) if c == mask]
if len(filled) != len(text):
    sys.exit(f"fill-eval: {sys.argv[5]}: output has {len(filled)} characters, the text {len(text)}")
right = sum(filled[i] == text[i] for i in holes)
print(f"{sys.argv[5]}: {sys.argv[6]}: {right}/{len(holes)} = {100 * right / len(holes):.2f}% of holes restored "
      f"({float(sys.argv[8]) - float(sys.argv[7]):.1f} s)")
EOF
done
