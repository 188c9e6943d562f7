"""The Worker's Wasserstein and Jensen-Shannon drift methods (worker/monitoring/drift) against scipy.

Generates windows and references, builds each reference exactly as a manifest does
(``edge_training.reference.numeric_reference``: decile bins, 101 quantiles, std), runs
``npx tsx scripts/monitoring/drift-methods-runner.ts`` (JSON on stdin) and asserts:

* Jensen-Shannon equals ``scipy.spatial.distance.jensenshannon`` (natural log) on the same vectors: raw vectors,
  category proportions (unseen categories at 0 in the reference) and the manifest's numeric bins, within 1e-12.
* Wasserstein equals ``scipy.stats.wasserstein_distance`` against the reference *as modelled* from its quantiles:
  exactly for integer features (each percentile's 1/100 split half at q_i, half at q_{i+1}), and for continuous ones against a 200,000-point
  discretisation of the piecewise-linear quantile function (tolerance: the discretisation's own bound,
  range / 200,000).
* The approximation: against the exact ``wasserstein_distance(reference_rows, window_rows) / std(reference_rows)``
  (Evidently's normalised figure) the error is at most W1(modelled reference, reference rows) / std (triangle
  inequality, computed per case) and, on these data sets, below APPROXIMATION_TOLERANCE (0.01) — HEAVY_TAIL_TOLERANCE
  (0.035) for the heavy-tailed ones.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import wasserstein_distance

from edge_training.reference import numeric_reference

from .tsx_runner import run_tsx

RUNNER = "scripts/monitoring/drift-methods-runner.ts"
EXACT_TOLERANCE = 1e-12
GRID = 200_000
# A tenth of Evidently's 0.1 threshold: the quantile model moves no verdict unless the distance is that close to it.
APPROXIMATION_TOLERANCE = 0.01
# Heavy right tails: the top percentile [q99, max] is spread evenly, while the rows crowd near q99
# (lognormal sigma 0.8 over 5,000 rows: 0.030 of 0.124).
HEAVY_TAIL_TOLERANCE = 0.035
HEAVY_TAILS = ("lognormal", "exponential_tail")


def run_cases(cases: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {result["id"]: result for result in run_tsx(RUNNER, {"cases": cases})["results"]}


def modelled_reference(quantiles: list[float], discrete: bool) -> np.ndarray:
    """Points whose empirical distribution is the reference the Worker models from its quantiles."""
    q = np.asarray(quantiles)
    if discrete:
        return np.concatenate([q[:-1], q[1:]])
    u = (np.arange(GRID) + 0.5) / GRID
    return np.interp(u, np.linspace(0, 1, len(q)), q)


def numeric_datasets() -> list[tuple[str, np.ndarray, np.ndarray, bool]]:
    rng = np.random.default_rng(11)
    sets: list[tuple[str, np.ndarray, np.ndarray, bool]] = []
    for rows in (600, 5000):
        sets += [
            (f"normal_same_{rows}", rng.normal(50, 10, rows), rng.normal(50, 10, 800), False),
            (f"normal_shift_{rows}", rng.normal(50, 10, rows), rng.normal(53, 10, 800), False),
            (f"normal_scale_{rows}", rng.normal(50, 10, rows), rng.normal(50, 14, 300), False),
            (f"lognormal_{rows}", rng.lognormal(3, 0.8, rows), rng.lognormal(3.1, 0.8, 500), False),
            (f"exponential_tail_{rows}", rng.exponential(2.0, rows), rng.exponential(2.6, 500), False),
            (f"uniform_{rows}", rng.uniform(0, 1, rows), rng.uniform(0.1, 1.1, 400), False),
            (
                f"bimodal_{rows}",
                np.concatenate([rng.normal(0, 1, rows // 2), rng.normal(6, 1, rows - rows // 2)]),
                rng.normal(3, 2, 500),
                False,
            ),
            (f"poisson_{rows}", rng.poisson(4, rows).astype(float), rng.poisson(4.5, 500).astype(float), True),
            (
                f"age_int_{rows}",
                rng.integers(18, 80, rows).astype(float),
                rng.integers(25, 80, 500).astype(float),
                True,
            ),
        ]
    return sets


@pytest.fixture(scope="module")
def numeric_results() -> tuple[list[tuple[str, np.ndarray, np.ndarray, bool]], dict[str, Any], dict[str, Any]]:
    sets = numeric_datasets()
    references = {name: numeric_reference(ref) for name, ref, _, _ in sets}
    cases = [
        {
            "id": name,
            "shape": "numeric",
            "values": cur.tolist(),
            "reference": references[name],
            "reference_rows": len(ref),
            "discrete": discrete,
        }
        for name, ref, cur, discrete in sets
    ]
    return sets, references, run_cases(cases)


def test_jensen_shannon_equals_scipy_on_vectors_and_categories() -> None:
    rng = np.random.default_rng(7)
    cases: list[dict[str, Any]] = []
    expected: dict[str, float] = {}
    for i in range(40):
        k = int(rng.integers(2, 12))
        p = rng.dirichlet(np.ones(k))
        q = rng.dirichlet(np.ones(k)) * rng.uniform(0.5, 3)  # unnormalised: both sides normalise
        if i % 4 == 0:
            p[rng.integers(k)] = 0.0  # zero entries are allowed
        cases.append({"id": f"v{i}", "shape": "vectors", "p": p.tolist(), "q": q.tolist()})
        expected[f"v{i}"] = float(jensenshannon(p, q))
    for i in range(20):
        categories = [f"c{j}" for j in range(int(rng.integers(2, 8)))]
        reference = dict(zip(categories, rng.dirichlet(np.ones(len(categories))).tolist(), strict=True))
        pool = categories + (["new_a", "new_b"] if i % 3 == 0 else [])
        window = Counter(rng.choice(pool, size=int(rng.integers(100, 2000))).tolist())
        union = sorted(set(reference) | set(window))
        ref_vec = np.array([reference.get(c, 0.0) for c in union])
        cur_vec = np.array([window.get(c, 0) for c in union], dtype=float)
        cases.append(
            {"id": f"c{i}", "shape": "category", "counts": dict(window), "reference": reference, "reference_rows": 1500}
        )
        expected[f"c{i}"] = float(jensenshannon(ref_vec, cur_vec / cur_vec.sum()))
    results = run_cases(cases)
    errors = []
    for case_id, want in expected.items():
        result = results[case_id]
        got = result["jensen_shannon"] if case_id.startswith("v") else result["methods"]["jensen_shannon"]["statistic"]
        errors.append(abs(got - want))
        if case_id.startswith("c"):
            assert result["methods"]["jensen_shannon"]["p_value"] is None
    print(f"jensen-shannon vectors+categories: {len(errors)} cases, max |ts - scipy| = {max(errors):.2e}")
    assert max(errors) <= EXACT_TOLERANCE


def test_jensen_shannon_on_numeric_bins_equals_scipy(numeric_results: Any) -> None:
    sets, references, results = numeric_results
    errors = []
    for name, _, cur, _ in sets:
        bins = references[name]["bins"]
        counts = np.bincount(np.searchsorted(bins["edges"], cur, side="right"), minlength=len(bins["edges"]) + 1)
        want = float(jensenshannon(bins["proportions"], counts / len(cur)))
        errors.append(abs(results[name]["methods"]["jensen_shannon"]["statistic"] - want))
    print(f"jensen-shannon numeric bins: {len(errors)} cases, max |ts - scipy| = {max(errors):.2e}")
    assert max(errors) <= EXACT_TOLERANCE


def test_wasserstein_equals_scipy_against_the_modelled_reference(numeric_results: Any) -> None:
    sets, references, results = numeric_results
    for name, _, cur, discrete in sets:
        quantiles = references[name]["quantiles"]
        want = float(wasserstein_distance(cur, modelled_reference(quantiles, discrete)))
        got = results[name]["wasserstein_raw"]
        tolerance = 1e-9 * max(1.0, want) if discrete else (quantiles[-1] - quantiles[0]) / GRID
        assert abs(got - want) <= tolerance, (name, got, want, tolerance)
        normalised = results[name]["methods"]["wasserstein"]
        assert normalised["p_value"] is None
        assert normalised["statistic"] == pytest.approx(got / max(references[name]["std"], 0.001), rel=1e-12)


def test_wasserstein_approximation_is_bounded_against_the_exact_rows(numeric_results: Any) -> None:
    sets, references, results = numeric_results
    lines = []
    worst = 0.0
    for name, ref, cur, discrete in sets:
        std = max(float(np.std(ref)), 0.001)
        exact = float(wasserstein_distance(ref, cur)) / std
        got = results[name]["methods"]["wasserstein"]["statistic"]
        modelled = modelled_reference(references[name]["quantiles"], discrete)
        bound = float(wasserstein_distance(ref, modelled)) / std + (ref.max() - ref.min()) / GRID / std + 1e-9
        error = abs(got - exact)
        worst = max(worst, error)
        lines.append(f"{name:24s} exact {exact:.4f} ts {got:.4f} |err| {error:.5f} bound {bound:.5f}")
        assert error <= bound, (name, got, exact, bound)
        tolerance = HEAVY_TAIL_TOLERANCE if name.startswith(HEAVY_TAILS) else APPROXIMATION_TOLERANCE
        assert error <= tolerance, (name, got, exact, tolerance)
    print("\n".join(lines))
    print(f"wasserstein (normalised) vs exact rows: max |err| = {worst:.5f}")


def test_registered_tests_still_answer_beside_the_distances(numeric_results: Any) -> None:
    """Every numeric method computes on every case; tests give p-values, distances none."""
    sets, _, results = numeric_results
    for name, _, _, _ in sets:
        methods = results[name]["methods"]
        assert set(methods) == {"psi", "ks", "wasserstein", "jensen_shannon"}
        assert 0 <= methods["ks"]["p_value"] <= 1
        assert methods["psi"]["p_value"] is None and methods["wasserstein"]["p_value"] is None
    assert results["normal_shift_5000"]["methods"]["wasserstein"]["statistic"] > 0.2
    assert results["normal_same_5000"]["methods"]["wasserstein"]["statistic"] < 0.1
