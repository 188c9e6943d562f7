#!/usr/bin/env bash
# Bundles the Worker for the top-level (local) config and every deployed environment without uploading
# anything (`wrangler deploy --dry-run`), printing each bundle's size and failing above 10 MB gzip or on
# any wrangler.toml or bundling error. No Cloudflare credentials needed.
set -euo pipefail
cd "$(dirname "$0")/../.."
for env in "" staging production; do
  npx tsx scripts/ci/check-bundle-size.ts ${env:+--env "$env"}
done
