#!/usr/bin/env bash
# Bundles the Worker for the top-level (local) config and every deployed environment without uploading
# anything: fails on a wrangler.toml or bundling error in any of them. No Cloudflare credentials needed.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for env in "" staging production; do
  echo "== wrangler deploy --dry-run ${env:+--env $env}"
  CI=true npx wrangler deploy --dry-run --outdir "$out/${env:-top-level}" ${env:+--env "$env"} 2>&1 | grep -v "npm warn" | tail -n 25
done
