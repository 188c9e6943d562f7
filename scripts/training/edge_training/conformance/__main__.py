"""``python -m edge_training.conformance <dir> [--only family,...]``: write every conformance case to <dir>."""

from __future__ import annotations

import argparse
import hashlib
import json
import time
import warnings
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from .cases import CASE_FORMAT, case_id, write_case, write_refusal
from .catalog import FAMILIES, all_specs
from .families import ModelSpec
from .refusals import REFUSALS


def case_seed(spec: ModelSpec) -> int:
    """The rows' seed: fixed per case id, so one family's cases do not depend on which others are generated."""
    return 10_000 + int.from_bytes(hashlib.sha256(case_id(spec).encode()).digest()[:4], "little")


def generate(out: Path, only: set[str] | None = None) -> dict[str, Any]:
    # tiny models: OpenMP/BLAS threads only contend (10x slower on a busy 2-core machine)
    with threadpool_limits(limits=1):
        return _generate(out, only)


def _generate(out: Path, only: set[str] | None) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []
    started = time.perf_counter()
    for spec in all_specs(only):
        entry = write_case(spec, out, seed=case_seed(spec))
        entries.append(entry)
        print(f"conformance: {case_id(spec)}: {entry['rows']} rows", flush=True)
    for ident, build, expect, op in REFUSALS:
        entries.append(write_refusal(ident, build(), expect, op, out))
    index_doc = {
        "format": CASE_FORMAT,
        "families": list(FAMILIES),
        "cases": entries,
        "generate_seconds": round(time.perf_counter() - started, 2),
    }
    (out / "index.json").write_text(json.dumps(index_doc, indent=1))
    return index_doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--only", default="", help="comma-separated families (default: all)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # convergence and deprecation chatter of the libraries fitting tiny models
    only = {f for f in args.only.split(",") if f} or None
    doc = generate(args.out, only)
    print(f"conformance: {len(doc['cases'])} cases in {doc['generate_seconds']} s -> {args.out}")


if __name__ == "__main__":
    main()
