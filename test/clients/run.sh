#!/usr/bin/env bash
# npm run test:clients: the field's own OIP clients (tritonclient[http], kserve's InferenceRESTClient), unchanged,
# against a real `wrangler dev` (fresh state, shipped models seeded). Creates .venv-clients from the pinned
# test/clients/requirements.txt on first run (or when that file changes), starts the Worker, runs pytest, stops
# the Worker. Exits non-zero on any failure and when pytest collects no test (its exit 5).
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
venv="${EDGE_CLIENTS_VENV:-$repo/.venv-clients}"
req="$repo/test/clients/requirements.txt"
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
  py="$(pick_python)" || { echo "test:clients: Python 3.11 not found (set PYTHON=/path/to/python3.11)" >&2; exit 1; }
  echo "test:clients: creating $venv with $("$py" --version 2>&1)"
  "$py" -m venv "$venv" || exit 1
fi
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ "$want" != "$(cat "$stamp" 2>/dev/null || true)" ]; then
  echo "test:clients: installing pinned client requirements (first run or $req changed; a few minutes)"
  "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req" || exit 1
  echo "$want" >"$stamp"
fi

log="$(mktemp)"
echo "test:clients: starting wrangler dev (fresh state, shipped models seeded)"
node --import tsx test/clients/start-worker.ts >"$log" 2>&1 </dev/null &
launcher=$!
stop_worker() {
  kill -TERM "$launcher" 2>/dev/null
  wait "$launcher" 2>/dev/null
  rm -f "$log"
}
trap stop_worker EXIT

url=""
for _ in $(seq 1 600); do
  url="$(sed -n 's/^EDGE_URL=//p' "$log" | head -1)"
  [ -n "$url" ] && break
  if ! kill -0 "$launcher" 2>/dev/null; then
    echo "test:clients: the Worker did not start:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.5
done
[ -n "$url" ] || { echo "test:clients: no Worker URL within 300 s" >&2; cat "$log" >&2; exit 1; }
echo "test:clients: Worker at $url"

EDGE_URL="$url" "$venv/bin/python" -m pytest -p no:cacheprovider --rootdir "$repo/test/clients" \
  "$repo/test/clients" -v "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "test:clients: pytest collected no tests (exit 5) - failing" >&2
  exit 1
fi
exit "$status"
