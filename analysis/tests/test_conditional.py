"""The two-sample measures the conditional-flow suites judge by, against known answers."""
import numpy as np
import pytest

from analysis.conditional import c2st, mmd_squared

sklearn = pytest.importorskip("sklearn")


def test_c2st_is_chance_for_one_distribution_and_one_for_disjoint_ones():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(1000, 2)), rng.normal(size=(1000, 2))
    assert abs(c2st(a, b) - 0.5) < 0.05
    assert c2st(a, b + 10.0) > 0.99


def test_c2st_between_two_gaussians_reaches_the_bayes_accuracy():
    # N(0, 1) against N(1, 1) in one of two dimensions: the best classifier is right with Φ(1/2) = 0.691.
    rng = np.random.default_rng(1)
    a = rng.normal(size=(3000, 2))
    b = rng.normal(size=(3000, 2)) + np.array([1.0, 0.0])
    assert c2st(a, b) == pytest.approx(0.691, abs=0.03)


def test_mmd_is_unbiased_for_one_distribution_and_grows_with_a_shift():
    rng = np.random.default_rng(2)
    same = [mmd_squared(rng.normal(size=(300, 4)), rng.normal(size=(300, 4))) for _ in range(40)]
    assert abs(np.mean(same)) < 3 * np.std(same) / np.sqrt(len(same)) + 1e-4  # mean zero: the estimator is unbiased
    a = rng.normal(size=(500, 4))
    shifts = [mmd_squared(a, rng.normal(size=(500, 4)) + s) for s in (0.25, 0.5, 1.0)]
    assert 0 < shifts[0] < shifts[1] < shifts[2]
    # MMD² with k(u, v) = 1/(1 + |u − v|²) between point masses at 0 and at d: 2 − 2/(1 + d²).
    x, y = np.zeros((50, 1)), np.full((50, 1), 2.0)
    assert mmd_squared(x, y) == pytest.approx(2 - 2 / (1 + 4.0))


def test_the_published_table_has_every_algorithm_and_npe_as_a_number(tmp_path):
    from analysis.suites.sbi_benchmark import published_table

    csv = tmp_path / "published.csv"
    csv.write_text("task,algorithm,num_simulations,c2st_mean,c2st_ci_low,c2st_ci_high,source\n"
                   "slcp,NPE,1000,0.975,0.97,0.98,x\n"
                   "slcp,NRE,1000,0.95,0.94,0.96,x\n"
                   "gaussian_mixture,NPE,1000,0.9,0.89,0.91,pre-2023\n"
                   "gaussian_mixture_rerun,NPE,1000,0.7,0.69,0.71,rerun\n")
    table = published_table(csv, {}).set_index(["task", "simulations"])
    assert table.loc[("slcp", 1000), "NRE"] == "0.950 [0.940, 0.960]"
    assert table.loc[("slcp", 1000), "npe_mean"] == pytest.approx(0.975)
    assert table.loc[("gaussian_mixture", 1000), "npe_mean"] == pytest.approx(0.7)  # the rerun, not the old row
    assert table.loc[("slcp", 1000), "SNPE"] != table.loc[("slcp", 1000), "SNPE"]  # NaN: not published here
    # Without the CSV: published.json's NPE means (mean ± sd).
    fallback = published_table(tmp_path / "absent.csv", {"two_moons": {"1000": [0.725, 0.045]}})
    assert list(fallback.NPE) == ["0.725 ± 0.045"] and list(fallback.npe_mean) == [0.725]
    bad = tmp_path / "bad.csv"
    bad.write_text("task,algorithm,num_simulations\nslcp,NPE,1000\n")
    with pytest.raises(ValueError, match="bad.csv: lacks the column.*c2st_mean"):
        published_table(bad, {})


def test_c2st_many_is_c2st_of_each_pair_in_order():
    from analysis.conditional import c2st_many
    rng = np.random.default_rng(3)
    pairs = [(rng.normal(size=(400, 2)), rng.normal(size=(400, 2)) + shift) for shift in (0.0, 0.7, 4.0)]
    assert c2st_many(pairs, processes=2) == [c2st(*p) for p in pairs]


def test_c2st_many_keeps_scores_in_its_cache(tmp_path):
    from analysis.conditional import c2st_many
    rng = np.random.default_rng(4)
    pairs = [(rng.normal(size=(300, 2)), rng.normal(size=(300, 2)) + shift) for shift in (0.0, 2.0)]
    cache = tmp_path / "c2st.json"
    first = c2st_many(pairs, processes=1, cache=cache)
    import json
    stored = json.loads(cache.read_text())
    assert sorted(stored.values()) == sorted(first)
    # A poisoned entry is what comes back: the cache, not a new classifier, answers known pairs.
    cache.write_text(json.dumps({k: 0.123 for k in stored}))
    assert c2st_many(pairs, processes=1, cache=cache) == [0.123, 0.123]
