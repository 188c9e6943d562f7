#!/usr/bin/env bash
# OpenAPI contract test: the pinned schemathesis in its own venv (.venv-openapi, created on first run) and
# the pinned @redocly/cli (npm devDependency), both against a real `wrangler dev`.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV="$(bash scripts/ci/openapi-venv.sh)"
exec npx tsx scripts/ci/openapi-contract.ts "$VENV" "$@"
