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


def conjugate_pairs(m=2000, draws=200, scale=1.0, seed=0):
    """θ ~ N(0, 1), x ~ N(θ, 1): the posterior is N(x/2, 1/2). `scale` < 1 shrinks the posterior's spread (an
    over-confident one)."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=(m, 1))
    x = theta + rng.normal(size=(m, 1))
    posterior = x[:, None, :] / 2 + scale * np.sqrt(0.5) * rng.normal(size=(m, draws, 1))
    return theta, posterior


def test_sbc_ranks_are_uniform_for_the_exact_posterior_and_not_for_an_overconfident_one():
    from analysis.conditional import expected_coverage, sbc_ranks, sbc_uniformity
    theta, exact = conjugate_pairs()
    ranks = sbc_ranks(theta, exact)
    assert ranks.min() >= 0 and ranks.max() <= 200
    assert sbc_uniformity(ranks, 200)[0] > 0.001
    coverage = expected_coverage(theta, exact)
    for level, fraction in coverage.items():
        assert abs(fraction[0] - level) < 0.035
    theta, narrow = conjugate_pairs(scale=0.5)
    assert sbc_uniformity(sbc_ranks(theta, narrow), 200)[0] < 1e-6
    assert expected_coverage(theta, narrow)[0.95][0] < 0.8
