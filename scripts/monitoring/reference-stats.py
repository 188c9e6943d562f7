"""Reference values for the Worker's monitoring statistics, computed with numpy / scipy / scikit-learn.

Run once (`.venv/bin/python scripts/monitoring/reference-stats.py`); it writes
test/fixtures/monitoring/reference-stats.json, which test/monitoring-stats.test.ts compares against.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy import special, stats
from sklearn import metrics

OUT = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "monitoring" / "reference-stats.json"
rng = np.random.default_rng(20260422)


def fl(values) -> list[float]:
    return [float(v) for v in np.asarray(values).ravel()]


def special_cases() -> dict:
    gamma = [(a, x, float(special.gammaincc(a, x))) for a, x in [(0.5, 0.1), (0.5, 2.0), (1.5, 3.0), (4.0, 1.0), (10.0, 25.0), (2.5, 0.01)]]
    beta = [(a, b, x, float(special.betainc(a, b, x))) for a, b, x in [(0.5, 0.5, 0.3), (5.0, 0.5, 0.9), (20.0, 0.5, 0.99), (2.0, 3.0, 0.4)]]
    kolmogorov = [(lam, float(stats.kstwobign.sf(lam))) for lam in [0.2, 0.5, 0.8, 1.0, 1.17, 1.19, 1.36, 2.0, 3.0]]
    normal = [(z, float(stats.norm.sf(z))) for z in [-2.0, 0.0, 0.5, 1.96, 3.0, 6.0]]
    student = [(t, df, float(2 * stats.t.sf(abs(t), df))) for t, df in [(0.5, 3.0), (2.1, 10.5), (-3.0, 40.0), (1.0, 1000.0)]]
    return {"gamma_q": gamma, "beta_i": beta, "kolmogorov_sf": kolmogorov, "normal_sf": normal, "student_t_two_sided": student}


def psi_case() -> dict:
    reference = rng.normal(50, 10, 4000)
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, 11)[1:-1]))
    expected = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=len(edges) + 1) / len(reference)
    actual_values = np.round(rng.normal(55, 12, 700), 1)
    actual_values[:5] = edges[:5]  # values exactly on an edge belong to the upper bin
    actual = np.bincount(np.searchsorted(edges, actual_values, side="right"), minlength=len(edges) + 1) / len(actual_values)
    eps = 1e-4
    e = np.maximum(expected, eps)
    a = np.maximum(actual, eps)
    psi = float(np.sum((a - e) * np.log(a / e)))
    empty = actual.copy()
    empty[0] = 0
    empty[1] += actual[0]
    ee = np.maximum(empty, eps)
    psi_empty = float(np.sum((ee - e) * np.log(ee / e)))
    return {"edges": fl(edges), "expected": fl(expected), "values": fl(actual_values), "actual": fl(actual),
            "psi": psi, "actual_with_empty_bin": fl(empty), "psi_with_empty_bin": psi_empty}


def ks_continuous_case() -> dict:
    m = 3000
    reference = rng.normal(0, 1, m)
    q = np.quantile(reference, np.linspace(0, 1, 101))
    sample = rng.normal(0.15, 1.1, 400)
    cdf = lambda x: np.interp(x, q, np.linspace(0, 1, 101))  # noqa: E731
    result = stats.kstest(sample, cdf)
    n = len(sample)
    ne = n * m / (n + m)
    return {"quantiles": fl(q), "reference_rows": m, "sample": fl(sample), "statistic": float(result.statistic),
            "effective_n": ne, "p_value": float(stats.kstwobign.sf(np.sqrt(ne) * result.statistic))}


def ks_discrete_case() -> dict:
    m = 2000
    reference = rng.poisson(4, m)
    q = np.quantile(reference, np.linspace(0, 1, 101))
    sample = rng.poisson(4.4, 300)
    grid = np.arange(-1, 40)
    ref_cdf = np.array([max([i for i in range(101) if q[i] <= x], default=-1) for x in grid], dtype=float)
    ref_cdf = np.where(ref_cdf < 0, 0, ref_cdf / 100)
    ecdf = np.array([np.mean(sample <= x) for x in grid])
    d = float(np.max(np.abs(ecdf - ref_cdf)))  # both are right-continuous steps jumping at integers
    n = len(sample)
    ne = n * m / (n + m)
    return {"quantiles": fl(q), "reference_rows": m, "sample": fl(sample), "statistic": d, "effective_n": ne,
            "p_value": float(stats.kstwobign.sf(np.sqrt(ne) * d))}


def chi_square_case() -> dict:
    proportions = {"good": 0.45, "fair": 0.25, "poor": 0.15, "none": 0.15}
    m = 3600
    counts = {"good": 180, "fair": 130, "poor": 50, "none": 33, "unknown_x": 7}
    floor = 0.5 / m
    cats = sorted(proportions)
    p = np.array([max(proportions[c], floor) for c in cats] + [floor])
    obs = np.array([counts[c] for c in cats] + [counts["unknown_x"]], dtype=float)
    exp = p / p.sum() * obs.sum()
    with_unseen = stats.chisquare(obs, exp)
    obs2 = np.array([counts[c] for c in cats], dtype=float)
    p2 = np.array([proportions[c] for c in cats])
    plain = stats.chisquare(obs2, p2 / p2.sum() * obs2.sum())
    return {"proportions": proportions, "reference_rows": m, "counts": counts,
            "statistic": float(with_unseen.statistic), "p_value": float(with_unseen.pvalue),
            "plain_counts": {c: counts[c] for c in cats},
            "plain_statistic": float(plain.statistic), "plain_p_value": float(plain.pvalue)}


def regression_case() -> dict:
    actual = rng.integers(1, 6, 250).astype(float)
    predicted = np.clip(actual + rng.normal(0, 0.8, 250), 1, 5)
    mse = metrics.mean_squared_error(actual, predicted)
    return {"predicted": fl(predicted), "actual": fl(actual), "mae": float(metrics.mean_absolute_error(actual, predicted)),
            "mse": float(mse), "rmse": float(np.sqrt(mse)), "r2": float(metrics.r2_score(actual, predicted))}


def classification_case() -> dict:
    labels = rng.integers(0, 2, 300)
    scores = np.clip(0.5 + (labels - 0.5) * 0.4 + rng.normal(0, 0.25, 300), 0, 1)
    scores = np.round(scores, 2)  # ties exercise the average-rank AUC
    scores[:3] = [0.0, 1.0, 0.0]  # extremes exercise the log-loss clipping
    threshold = 0.53
    return {"probabilities": fl(scores), "labels": [int(v) for v in labels], "threshold": threshold,
            "auc": float(metrics.roc_auc_score(labels, scores)),
            "accuracy": float(metrics.accuracy_score(labels, (scores >= threshold).astype(int))),
            "brier": float(metrics.brier_score_loss(labels, scores)),
            "log_loss": float(metrics.log_loss(labels, np.clip(scores, 1e-15, 1 - 1e-15)))}


def ab_case() -> dict:
    a = rng.normal(0.9, 0.6, 180) ** 2
    b = rng.normal(1.05, 0.8, 140) ** 2
    welch = stats.ttest_ind(a, b, equal_var=False)
    sa, na, sb, nb = 161, 200, 139, 190
    pooled = (sa + sb) / (na + nb)
    z = (sa / na - sb / nb) / np.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    return {"a": fl(a), "b": fl(b), "welch_t": float(welch.statistic), "welch_p": float(welch.pvalue),
            "welch_df": float(welch.df), "prop": [sa, na, sb, nb], "z": float(z), "z_p": float(2 * stats.norm.sf(abs(z)))}


def percentile_case() -> dict:
    latencies = rng.gamma(2.0, 15.0, 333)
    return {"values": fl(latencies), "p50": float(np.percentile(latencies, 50)), "p95": float(np.percentile(latencies, 95)),
            "p99": float(np.percentile(latencies, 99))}


def main() -> None:
    fixture = {
        "generated_by": "scripts/monitoring/reference-stats.py",
        "versions": {"numpy": np.__version__, "scipy": stats.__name__ and __import__("scipy").__version__,
                     "sklearn": __import__("sklearn").__version__},
        "special": special_cases(), "psi": psi_case(), "ks_continuous": ks_continuous_case(),
        "ks_discrete": ks_discrete_case(), "chi_square": chi_square_case(), "regression": regression_case(),
        "classification": classification_case(), "ab": ab_case(), "percentiles": percentile_case(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
