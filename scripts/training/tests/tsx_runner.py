"""Runs one of the repository's TypeScript runners (``npx tsx <script>``, JSON on stdin) and returns its JSON answer.

The conformance-style tests hold the Worker's TypeScript to a Python reference this way: the runner imports the
Worker module under test, reads ``{"cases": [...]}`` and prints ``{"results": [...]}``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

from edge_training.paths import REPO_ROOT


def run_tsx(script: str, payload: dict[str, Any], timeout: int = 300) -> dict[str, Any]:
    npx = shutil.which("npx")
    assert npx, f"npx (Node) is required to run {script}"
    completed = subprocess.run(
        [npx, "tsx", script],
        cwd=REPO_ROOT,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    answer: dict[str, Any] = json.loads(completed.stdout)
    return answer
