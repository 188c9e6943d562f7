#!/usr/bin/env bash
# Creates (or reuses) .venv-openapi with the pinned schemathesis; prints the venv's directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=.venv-openapi
REQS=scripts/ci/openapi-requirements.txt
STAMP="$VENV/.requirements.sha256"
want="$(sha256sum "$REQS" | cut -d' ' -f1)"
if [[ ! -x "$VENV/bin/schemathesis" || "$(cat "$STAMP" 2>/dev/null)" != "$want" ]]; then
  echo "creating $VENV (schemathesis, pinned in $REQS)" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS" >&2
  echo "$want" >"$STAMP"
fi
echo "$PWD/$VENV"
