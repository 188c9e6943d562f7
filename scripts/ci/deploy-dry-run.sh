#!/usr/bin/env bash
# Bundles the Worker for the top-level (local) config, every deployed environment and the lean build
# (wrangler.lean.toml, no onnxruntime-web) without uploading anything (`wrangler deploy --dry-run`), printing
# each bundle's size and failing on any wrangler config or bundling error, above 10 MB gzip for a full build,
# or above 3 MB gzip for the lean build. No Cloudflare credentials needed.
set -euo pipefail
cd "$(dirname "$0")/../.."
for env in "" staging production; do
  npx tsx scripts/ci/check-bundle-size.ts ${env:+--env "$env"}
done
npx tsx scripts/ci/check-bundle-size.ts --config wrangler.lean.toml
