#!/usr/bin/env bash
# `npm test`: the whole suite. Workers tests in workerd (vitest-pool-workers), Python training tests
# (creates the venv on first run), then end-to-end tests against a real `wrangler dev` (CLI story,
# dashboard in headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== workerd tests (vitest-pool-workers)"
npx vitest run

echo "== python training tests (pytest)"
bash scripts/training/run-pytest.sh

echo "== OpenAPI contract against wrangler dev (redocly lint, schemathesis --checks all)"
bash scripts/ci/openapi-contract.sh

echo "== end-to-end tests against wrangler dev (node --test)"
CHROMIUM_PATH="$(bash scripts/ensure-chromium.sh)"
export CHROMIUM_PATH
npm run --silent test:e2e

echo "== OIP clients (tritonclient[http], kserve REST) against wrangler dev (pytest)"
npm run --silent test:clients
