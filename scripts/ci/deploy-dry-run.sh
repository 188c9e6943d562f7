#!/usr/bin/env bash
# Bundles the Worker for the top-level (local) config and every deployed environment without uploading
# anything (`wrangler deploy --dry-run`), printing each bundle's size and failing on any wrangler.toml or
# bundling error, above 10 MB gzip for a full build, or above 3 MB gzip for the lean build (no
# onnxruntime-web). No Cloudflare credentials needed.
set -euo pipefail
cd "$(dirname "$0")/../.."
for env in "" staging production lean; do
  npx tsx scripts/ci/check-bundle-size.ts ${env:+--env "$env"}
done
