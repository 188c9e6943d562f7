"""Reference data for identifier features (user_id, item_id), read by the Worker's drift monitoring.

The Worker monitors a feature listed in ``manifest.training.id_reference`` as a category (distribution of ids
and coverage of active vs reference ids) instead of an ordinal number; see worker/monitoring/drift/
model-annotations.ts. Training adds ``{"id_reference": id_reference(reference_frame, ("user_id", "item_id"))}``
to the manifest's ``training`` block, computed on the same rows as the rest of ``reference``.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def id_reference(frame: pd.DataFrame, columns: Iterable[str]) -> dict[str, dict[str, dict[str, int]]]:
    """Rows per id of each identifier column: {column: {"counts": {str(id): rows}}} (ids as strings)."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for column in columns:
        counts = frame[column].value_counts(sort=False)
        out[column] = {"counts": {str(key): int(value) for key, value in sorted(counts.items())}}
    return out
