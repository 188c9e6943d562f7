#!/usr/bin/env bash
# `npm test`: the whole suite. Workers tests in workerd (vitest-pool-workers), Python training tests
# (creates the venv on first run), then end-to-end tests against a real `wrangler dev`.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== workerd tests (vitest-pool-workers)"
npx vitest run

echo "== python training tests (pytest)"
bash scripts/training/run-pytest.sh

shopt -s nullglob
node_tests=(test/node/*.test.ts)
if ((${#node_tests[@]})); then
  echo "== end-to-end tests against wrangler dev (node --test)"
  node --import tsx --test --test-concurrency=1 "${node_tests[@]}"
fi
