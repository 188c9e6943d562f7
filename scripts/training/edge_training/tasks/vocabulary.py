"""The task names the Worker defines (worker/vocabulary, exported to schemas/vocabulary.json by `npm run schema`)."""

from __future__ import annotations

import json

from ..paths import SCHEMAS_DIR

VOCABULARY_PATH = SCHEMAS_DIR / "vocabulary.json"


def task_names() -> tuple[str, ...]:
    return tuple(json.loads(VOCABULARY_PATH.read_text())["tasks"])
