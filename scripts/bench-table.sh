#!/usr/bin/env bash
# One alternating run of charlstm bench and the PyTorch peer (same flags as
# ../shared/bench/compare.sh), printing a Markdown table of absolute figures
# and ratios for docs/performance.md.
# usage: scripts/bench-table.sh [BIN] [ROUNDS]    CONFIGS env: hidden sizes (default "128 512")
set -euo pipefail
BIN="${1:-.build/release/charlstm}"; ROUNDS="${2:-3}"
SHARED="$(cd "$(dirname "$0")/../../shared" && pwd)"
CORPUS="${CORPUS:-$SHARED/corpora/tinyshakespeare.txt}"
PY="${CHARLSTM_PEER_VENV:-$HOME/.cache/charlstm-peer}/bin/python"
[ -x "$PY" ] || { echo "run $SHARED/bench/setup-peer.sh first" >&2; exit 2; }
median() { sort -g | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
field() { python3 -c "import json,sys; d=json.loads(sys.stdin.read().strip().splitlines()[-1]); print(d.get('$1', 'nan'))"; }
echo "| hidden | charlstm train chars/s | PyTorch train chars/s | ratio | charlstm % of sgemm limit | charlstm sample chars/s | PyTorch sample chars/s | ratio | charlstm peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|"
for H in ${CONFIGS:-128 512}; do
  FLAGS="--hidden $H --layers 2 --embed 64 --batch 50 --seq 50 --steps 40 --warmup 5 --threads 2 --sample-bench 300 --json"
  : > /tmp/bt_ours_$H; : > /tmp/bt_peer_$H
  for r in $(seq "$ROUNDS"); do
    "$BIN" bench "$CORPUS" $FLAGS >> /tmp/bt_ours_$H
    "$PY" "$SHARED/bench/peer_torch.py" "$CORPUS" $FLAGS >> /tmp/bt_peer_$H
  done
  ot=$(while read -r l; do echo "$l" | field train_chars_per_s; done < /tmp/bt_ours_$H | median)
  pt=$(while read -r l; do echo "$l" | field train_chars_per_s; done < /tmp/bt_peer_$H | median)
  os=$(while read -r l; do echo "$l" | field sample_chars_per_s; done < /tmp/bt_ours_$H | median)
  ps=$(while read -r l; do echo "$l" | field sample_chars_per_s; done < /tmp/bt_peer_$H | median)
  rss=$(while read -r l; do echo "$l" | field peak_rss_mib; done < /tmp/bt_ours_$H | median)
  # FLOP per trained character: 3 × forward, forward = 2·(Σ layer (in+H)·4H + H·V) (V = 66)
  flop=$(python3 -c "H=$H; E=64; V=66; print(3*2*((E+H)*4*H + (H+H)*4*H + H*V))")
  awk -v ot="$ot" -v pt="$pt" -v os="$os" -v ps="$ps" -v rss="$rss" -v H="$H" -v flop="$flop" 'BEGIN {
    printf "| %d | %.0f | %.0f | %.2f | %.0f%% | %.0f | %.0f | %.1f | %.0f |\n", H, ot, pt, ot/pt, 100*ot*flop/200e9, os, ps, os/ps, rss }'
done
