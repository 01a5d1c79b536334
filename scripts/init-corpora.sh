#!/usr/bin/env bash
# Rebuilds the three corpora of the initialisation measurement (docs/training.md,
# "Choosing the initialisation") from Debian packages, so that anyone can rerun it.
# Nothing here is committed: the text comes from the packages each time.
#
# usage: scripts/init-corpora.sh OUTDIR [BYTES]
#   OUTDIR/english.txt  English prose: the Jargon File's lexicon entries (jargon-text)
#   OUTDIR/python.txt   source code: Python 3.11's standard library, top-level modules
#                       in name order (libpython3.11-stdlib)
#   OUTDIR/russian.txt  Cyrillic script: the Russian fortune files in name order (fortunes-ru)
# Each is the first BYTES bytes (default 600000; the Russian one twice that, since
# Cyrillic takes two bytes a letter, so that all three have about as many graphemes),
# cut back to a whole line. The packages are downloaded (apt-get download, no install)
# and unpacked under OUTDIR/pkgs.
set -euo pipefail
OUT="${1:?usage: scripts/init-corpora.sh OUTDIR [BYTES]}"
BYTES="${2:-600000}"
mkdir -p "$OUT/pkgs"
cd "$OUT/pkgs"
for p in jargon-text fortunes-ru libpython3.11-stdlib; do
  ls "$p"_*.deb >/dev/null 2>&1 || apt-get download "$p" >&2 \
    || { echo "init-corpora: cannot download $p; run apt-get update, or fetch $p's .deb by hand into $OUT/pkgs" >&2; exit 1; }
  dpkg-deb -x "$p"_*.deb root
done
# First N bytes of stdin, without the last (partial) line; reads all of stdin so
# that the command before it does not die of SIGPIPE.
cut_to() { { head -c "$1"; cat >/dev/null; } | sed '$d'; }
# The lexicon's entries start at ":(TM):"; the introductory chapters and the index
# of headwords come before it.
zcat root/usr/share/doc/jargon-text/jargon.txt.gz | awk '/^   :\(TM\):/ { p = 1 } p' | cut_to "$BYTES" > ../english.txt
find root/usr/lib/python3.11 -maxdepth 1 -type f -name '*.py' | LC_ALL=C sort | xargs cat | cut_to "$BYTES" > ../python.txt
find root/usr/share/games/fortunes/ru -type f ! -name '*.dat' ! -name '*.u8' | LC_ALL=C sort | xargs cat \
  | cut_to "$((2 * BYTES))" > ../russian.txt
cd ..
wc -c english.txt python.txt russian.txt >&2
