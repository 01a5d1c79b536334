#!/usr/bin/env bash
# Runs the README's quick-start commands (its first ```sh block) in a fresh
# clone of this repository's HEAD, as a new user has it: no ../shared beside it
# (the development setting's corpora) and nothing fetched, so the README cannot
# silently rot. `make run` must also have trained (its `done: step` line).
# --skip-test leaves out `make test` (CI runs it in its own fresh clone anyway).
set -euo pipefail
skip_test=0
[ "${1:-}" = "--skip-test" ] && skip_test=1
top="$(git rev-parse --show-toplevel)"
cmds="$(awk '/^```sh$/{f=1;next} /^```$/{if(f)exit} f' "$top/README.md" | sed 's/[[:space:]]*#.*$//' | sed '/^[[:space:]]*$/d')"
[ -n "$cmds" ] || { echo "check-readme: no \`\`\`sh block in README.md" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git clone -q "$top" "$work/charlstm"
[ ! -e "$work/shared" ] || { echo "check-readme: $work/shared exists; the check needs a clone without ../shared" >&2; exit 1; }
cd "$work/charlstm"
passed=0; failed=0
while IFS= read -r cmd; do
  if [ "$skip_test" = 1 ] && [ "$cmd" = "make test" ]; then continue; fi
  echo "check-readme: \$ $cmd" >&2
  if bash -c "$cmd" > "$work/out" 2> "$work/err"; then
    # A command that succeeds must also have shown something (the demo's text).
    if [ ! -s "$work/out" ] && [ ! -s "$work/err" ]; then
      failed=$((failed + 1)); echo "check-readme: printed nothing: $cmd" >&2
    elif [ "$cmd" = "make run" ] && ! grep -q '^done: step ' "$work/err"; then
      failed=$((failed + 1)); echo "check-readme: make run trained nothing (no 'done: step' line)" >&2; tail -5 "$work/err" >&2
    else
      passed=$((passed + 1))
    fi
  else
    failed=$((failed + 1)); echo "check-readme: FAILED: $cmd" >&2; tail -20 "$work/err" >&2
  fi
done <<< "$cmds"
echo "check-readme: $passed passed, $failed failed" >&2
[ "$failed" = 0 ]
