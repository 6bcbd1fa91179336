"""The side-by-side summary: medians, ratios, targets and GFLOP/s from raw rows (no timing here)."""
from analysis.bench import TARGETS, WORKLOADS, markdown, summarise


def rows_with(ratio_of):
    rows = [{"workload": "sgemm", "side": "ours", "value": 300.0, "gflops": 80.0, "metric": "gemm/s", "impl": "t",
             "peak_rss_mib": 30.0, "repeat": r} for r in range(3)]
    for w in WORKLOADS:
        for r, noise in enumerate([0.9, 1.0, 1.3]):
            rows.append({"workload": w, "side": "pytorch", "value": 100.0 * noise, "metric": "steps/s",
                         "impl": "pytorch-1.13", "repeat": r})
            rows.append({"workload": w, "side": "ours", "value": 100.0 * ratio_of[w] * noise, "gflops": 10.0 * noise,
                         "metric": "steps/s", "impl": "t", "peak_rss_mib": 40.0 + r, "repeat": r})
    return rows


def test_ratios_are_of_medians_and_targets_decide_met():
    ratio_of = {w: TARGETS[w] + (0.5 if i % 2 == 0 else -0.1) for i, w in enumerate(WORKLOADS)}
    table = summarise(rows_with(ratio_of))
    for i, t in enumerate(table):
        assert abs(t["ratio"] - ratio_of[t["workload"]]) < 1e-12
        assert t["met"] == (i % 2 == 0)
        assert abs(t["sgemm_fraction"] - 10.0 / 80.0) < 1e-12
        assert t["peak_rss_mib"] == 42.0
    text = markdown(table, rows_with(ratio_of))
    assert "| realnvp2d-train | steps/s |" in text and "80.0 GFLOP/s" in text and "pytorch-1.13" in text
