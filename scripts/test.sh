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
if [ -n "$total" ]; then
  echo "$((total - failed - skipped)) passed, $failed failed, $skipped skipped"
fi
exit "$status"
