"""Every family the suite covers, and the model specs of all of them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from . import families, variants
from .families import ModelSpec

BUILDERS: dict[str, Callable[[], Iterator[ModelSpec]]] = {
    **families.BUILDERS,
    variants.FAMILY: variants.tree_ensemble_variants,
}
# the suite asserts that each one was exercised
FAMILIES: tuple[str, ...] = tuple(BUILDERS)


def all_specs(only: set[str] | None = None) -> Iterator[ModelSpec]:
    for family, build in BUILDERS.items():
        if only is None or family in only:
            yield from build()
