"""The scaling summary and its cost model on known numbers, and one real 2-rank measurement."""
import pandas as pd
import pytest

from analysis.scaling import ALPHA, BETA, measure_once, summarise
from .test_plots import tractable_binary


def test_summary_and_projection_on_known_numbers():
    raw = pd.DataFrame([
        {"workload": "w", "ranks": 1, "steps_per_second": 100.0, "allreduce_fraction": 0.0, "parameters": 1_000_000, "global_batch": 64},
        {"workload": "w", "ranks": 2, "steps_per_second": 180.0, "allreduce_fraction": 0.1, "parameters": 1_000_000, "global_batch": 64},
    ])
    row = summarise(raw).iloc[0]
    assert row["speed-up (2 vs 1)"] == pytest.approx(1.8)
    assert row["all-reduce ms (2 ranks)"] == pytest.approx(1e3 * 0.1 / 180)
    t1, n, size = 0.01, 64, 4e6
    allreduce = 2 * (n - 1) * ALPHA + 2 * (n - 1) / n * size / BETA
    assert row["projected efficiency 64 (batch per rank kept)"] == pytest.approx(t1 / (t1 + allreduce))
    assert row["projected efficiency 64 (same global batch)"] == pytest.approx(t1 / (n * (t1 / n + allreduce)))
    assert 0 < row["projected efficiency 512 (same global batch)"] < row["projected efficiency 64 (same global batch)"] < 1


def test_a_two_rank_measurement_reads_speed_and_allreduce_share(tmp_path):
    r = measure_once(tractable_binary(), "realnvp2d-train", 2, tmp_path)
    assert r["steps_per_second"] > 0 and 0 <= r["allreduce_fraction"] < 1 and r["global_batch"] == 512
    assert r["parameters"] > 10000


def test_two_ranks_against_two_threads_are_ratios_of_medians():
    from analysis.scaling import against_pytorch_table, table_markdown
    rows = []
    for r, noise in enumerate([0.9, 1.0, 1.2]):
        for side, one, two in (("ours", 300.0, 450.0), ("pytorch", 200.0, 250.0)):
            rows.append({"workload": "vae-mnist-train", "side": side, "parallel": 1, "value": one * noise, "repeat": r})
            rows.append({"workload": "vae-mnist-train", "side": side, "parallel": 2, "value": two * noise, "repeat": r,
                         "blas_threads": 1})
        # PyTorch with a 2-thread BLAS as well: slower here, so the table keeps the 1-thread BLAS setting
        rows.append({"workload": "vae-mnist-train", "side": "pytorch", "parallel": 2, "value": 100.0 * noise,
                     "repeat": r, "blas_threads": 2})
    t = against_pytorch_table(rows).iloc[0]
    assert t["ours 1 rank"] == 300.0 and t["PyTorch 2 threads, BLAS 1"] == 250.0
    assert abs(t["ours speed-up"] - 1.5) < 1e-12 and abs(t["PyTorch speed-up"] - 1.25) < 1e-12
    assert abs(t["ours 2 ranks / PyTorch 2 threads"] - 1.8) < 1e-12 and t["PyTorch 2 threads, BLAS 2"] == 100.0
    assert "| vae-mnist-train | 300.0 | 450.0 | 1.50× | 200.0 | 250.0 | 100.0 | 1.25× | 1.80× |" in \
        table_markdown(against_pytorch_table(rows))


def test_ranks_against_threads_names_the_fastest_layout_by_its_median():
    from analysis.scaling import LAYOUTS, ranks_threads_table, table_markdown
    speed = {"Serial, 1 rank": 300.0, "Serial, 2 ranks": 520.0, "OpenMP, 1 rank × 1 thread": 290.0,
             "OpenMP, 2 ranks × 1 thread": 500.0, "OpenMP, 1 rank × 2 threads": 480.0}
    rows = [{"workload": "vae-mnist-train", "layout": layout, "value": speed[layout] * noise, "repeat": r}
            for r, noise in enumerate([0.8, 1.0, 1.1]) for layout, *_ in LAYOUTS]
    rows[-1]["value"] = 2000.0  # one outlier repeat of threads: the median stands
    t = ranks_threads_table(rows).iloc[0]
    assert t["fastest"] == "Serial, 2 ranks" and abs(t["fastest / Serial 1 rank"] - 520 / 300) < 1e-12
    assert t["OpenMP, 1 rank × 2 threads"] == 480.0
    assert "| vae-mnist-train | 300.0 | 520.0 | 290.0 | 500.0 | 480.0 | Serial, 2 ranks | 1.73× |" in \
        table_markdown(ranks_threads_table(rows))
