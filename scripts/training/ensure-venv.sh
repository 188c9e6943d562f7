#!/usr/bin/env bash
# Create/refresh the training venv at <repo>/.venv. Idempotent: re-installs the pinned requirements only
# when scripts/training/requirements.txt changed (its sha256 is stamped into the venv).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${EDGE_TRAINING_VENV:-$repo/.venv}"
req="$here/requirements.txt"
stamp="$venv/.requirements.sha256"

pick_python() {
  for candidate in "${PYTHON:-}" python3.11 python3 python; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if [ ! -x "$venv/bin/python" ]; then
  py="$(pick_python)" || { echo "ensure-venv: Python 3.11 not found (set PYTHON=/path/to/python3.11)" >&2; exit 1; }
  echo "ensure-venv: creating $venv with $("$py" --version 2>&1)"
  "$py" -m venv "$venv"
fi

want="$(sha256sum "$req" | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
  echo "ensure-venv: installing pinned requirements ($req changed or first run)"
  "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req"
  echo "$want" >"$stamp"
  echo "ensure-venv: done"
else
  echo "ensure-venv: $venv up to date (requirements sha256 ${want:0:12})"
fi
