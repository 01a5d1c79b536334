#!/usr/bin/env bash
# Installs the Debian packages charlstm needs, when they are missing.
# Works as root, uses sudo otherwise, and says what to install by hand if neither works.
set -euo pipefail
# OpenBLAS is loaded at run time (dlopen, Sources/COpenBLAS), so only its
# libraries are needed, no headers: the threaded build, which charlstm runs
# with one OpenBLAS thread and calls from its own threads (Debian's serial
# build cannot be called from two threads at once; see openblas_loader.h).
# chromium: the tests open `charlstm show`'s pages in headless Chromium.
# strace: a test watches the atomic write fsync the directory after its rename.
# openmpi-bin: mpirun for data-parallel training (libmpi is loaded with dlopen, no headers).
PACKAGES="libicu-dev libopenblas0-pthread unicode-data librsvg2-bin chromium strace openmpi-bin"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "setup: installing$missing" >&2
if [ "$(id -u)" = 0 ]; then SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"
else
  echo "setup: cannot install packages (not root, no sudo). Install them by hand: sudo apt-get install$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 || { echo "setup: apt-get update failed; install by hand: apt-get install$missing" >&2; exit 1; }
$SUDO apt-get install -y -qq $missing >&2 || { echo "setup: apt-get install failed; install by hand: apt-get install$missing" >&2; exit 1; }
