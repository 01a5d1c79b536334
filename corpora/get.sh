#!/usr/bin/env bash
# corpora/get.sh NAME [--from DIR] [--out DIR]
# Fetches a corpus listed in corpora/README.md into corpora/NAME.txt: downloaded
# from its public source when online, or copied from DIR (e.g. ../shared/corpora)
# with --from. Downloaded text is never committed (.gitignore).
set -euo pipefail
usage() { echo "usage: corpora/get.sh NAME [--from DIR] [--out DIR]   (NAME: tinyshakespeare, warandpeace, quijote, faust)" >&2; exit 2; }
[ $# -ge 1 ] || usage
NAME="$1"; shift
FROM=""; OUT="$(cd "$(dirname "$0")" && pwd)"
while [ $# -gt 0 ]; do
  case "$1" in
    --from) FROM="${2:?--from needs a directory}"; shift 2 ;;
    --out) OUT="${2:?--out needs a directory}"; shift 2 ;;
    *) usage ;;
  esac
done
case "$NAME" in
  tinyshakespeare) URL="https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt" ;;
  warandpeace)     URL="https://www.gutenberg.org/cache/epub/2600/pg2600.txt" ;;
  quijote)         URL="https://www.gutenberg.org/cache/epub/2000/pg2000.txt" ;;
  faust)           URL="https://www.gutenberg.org/cache/epub/2229/pg2229.txt" ;;
  *) echo "get.sh: unknown corpus '$NAME'; see corpora/README.md" >&2; exit 2 ;;
esac
mkdir -p "$OUT"
DEST="$OUT/$NAME.txt"
TMP="$DEST.part"
trap 'rm -f "$TMP"' EXIT
if [ -n "$FROM" ]; then
  SRC="$FROM/$NAME.txt"
  [ -f "$SRC" ] || { echo "get.sh: $SRC not found" >&2; exit 1; }
  cp "$SRC" "$TMP"
elif command -v curl >/dev/null 2>&1; then
  curl -fsSL --retry 2 -o "$TMP" "$URL" || { echo "get.sh: download of $URL failed; offline? copy it with --from DIR" >&2; exit 1; }
elif command -v wget >/dev/null 2>&1; then
  wget -q -O "$TMP" "$URL" || { echo "get.sh: download of $URL failed; offline? copy it with --from DIR" >&2; exit 1; }
else
  echo "get.sh: neither curl nor wget is installed; install one or use --from DIR" >&2; exit 1
fi
[ -s "$TMP" ] || { echo "get.sh: $NAME is empty" >&2; exit 1; }
mv "$TMP" "$DEST"
echo "$DEST ($(wc -c < "$DEST") bytes)" >&2
