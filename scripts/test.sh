#!/usr/bin/env bash
# Runs the whole suite (XCTest: unit tests and the real executables) and ends
# with one plain summary line "N passed, N failed, N skipped".
set -uo pipefail
swift build || exit 1
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
swift test --disable-swift-testing 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
line=$(grep -E "Executed [0-9]+ tests?, with" "$log" | tail -1)
total=$(echo "$line" | sed -E 's/.*Executed ([0-9]+) tests?.*/\1/')
failed=$(echo "$line" | sed -E 's/.* ([0-9]+) failures?.*/\1/')
skipped=$(echo "$line" | grep -oE '[0-9]+ tests? skipped' | grep -oE '^[0-9]+' || echo 0)
# The Examples package, a program that depends on charlstm by path, counts as
# one more test: it must build, train, save, reload, sample and score, and the
# model must find its own text likelier than noise.
if scripts/example-check.sh; then
  total=$((${total:-0} + 1))
else
  total=$((${total:-0} + 1)); failed=$((${failed:-0} + 1)); status=1
fi
if [ -n "$total" ]; then
  echo "$((total - failed - skipped)) passed, $failed failed, $skipped skipped"
fi
exit "$status"
