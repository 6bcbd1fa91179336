"""The side-by-side summary: medians, ratios, targets and GFLOP/s from raw rows (no timing here)."""
import pytest

from analysis.bench import TARGETS, WORKLOADS, conditions, markdown, summarise

CONDITIONS = {"cpu": "AMD EPYC", "cpu_isa": "avx2", "build_isa": "x86-64-v3", "blas": "OpenBLAS 0.3.21", "blas_kernel": "Zen",
              "subnormals": "flush", "subnormals_blas": "flush"}


def rows_with(ratio_of, gflops=10.0, torch_flush=True):
    rows = [dict(CONDITIONS, workload="sgemm", side="ours", value=300.0, gflops=80.0, metric="gemm/s", impl="t",
                 peak_rss_mib=30.0, repeat=r) for r in range(3)]
    for w in WORKLOADS:
        for r, noise in enumerate([0.9, 1.0, 1.3]):
            rows.append({"workload": w, "side": "pytorch", "value": 100.0 * noise, "metric": "steps/s",
                         "impl": "pytorch-1.13", "repeat": r, "flush_denormal": torch_flush})
            rows.append(dict(CONDITIONS, workload=w, side="ours", value=100.0 * ratio_of[w] * noise,
                             gflops=gflops * noise, metric="steps/s", impl="t", peak_rss_mib=40.0 + r, repeat=r))
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


def test_conditions_are_printed_and_the_sides_must_match():
    ratio_of = {w: TARGETS[w] for w in WORKLOADS}
    rows = rows_with(ratio_of)
    text = markdown(summarise(rows), rows)
    assert "CPU AMD EPYC (avx2" in text and "BLAS OpenBLAS 0.3.21, kernel Zen" in text
    assert "ours compiled for x86-64-v3" in text
    assert "subnormals flush on both sides" in text
    assert conditions(rows)["subnormals"] == "flush"
    with pytest.raises(ValueError, match="subnormal modes differ"):
        conditions(rows_with(ratio_of, torch_flush=False))
    mixed = rows_with(ratio_of)
    mixed[0]["subnormals_blas"] = "ieee"  # the BLAS's own threads did not flush
    with pytest.raises(ValueError, match="not measured alike"):
        conditions(mixed)


def test_gemm_bound_workloads_are_held_to_a_fraction_of_sgemm():
    ratio_of = {w: TARGETS[w] for w in WORKLOADS}
    low = {t["workload"]: t for t in summarise(rows_with(ratio_of, gflops=40.0))}   # 50 % of 80 GFLOP/s
    high = {t["workload"]: t for t in summarise(rows_with(ratio_of, gflops=56.0))}  # 70 %
    for w in ("vae-mnist-train", "iwae50-mnist-train"):
        assert low[w]["sgemm_fraction_met"] is False and high[w]["sgemm_fraction_met"] is True
    assert low["maf8d-train"]["sgemm_fraction_met"] is None


def test_the_fastest_peer_setting_decides_the_ratio_against_the_peer_goal():
    # Ours at 200 per workload; eager PyTorch 100, compiled 150 (its compile seconds apart), JAX 100 or 160:
    # the fastest peer is the one with the highest median, and ours / fastest meets 1.5x only where 200 / peer >= 1.5.
    from analysis.bench import PEER_GOAL, peer_markdown, peer_table
    rows = rows_with({w: 2.0 for w in WORKLOADS})
    for i, w in enumerate(WORKLOADS):
        for r, noise in enumerate([0.9, 1.0, 1.3]):
            rows.append({"workload": w, "side": "pytorch-compile-default", "value": 150.0 * noise, "repeat": r,
                         "impl": "pytorch-2.15.0-compile-default", "flush_denormal": True, "compile_seconds": 7.0 + r})
            rows.append({"workload": w, "side": "jax", "value": (160.0 if i % 2 else 100.0) * noise, "repeat": r,
                         "impl": "jax-0.10.2", "flush_denormal": True, "compile_seconds": 1.0})
    table = peer_table(rows)
    for i, t in enumerate(table):
        assert t["fastest"] == ("jax" if i % 2 else "pytorch-compile-default")
        assert abs(t["ratio"] - 200.0 / (160.0 if i % 2 else 150.0)) < 1e-12
        assert t["met"] == (t["ratio"] >= PEER_GOAL) and t["compile_seconds"]["pytorch-compile-default"] == 8.0
    text = peer_markdown(table, rows)
    assert "pytorch-compile-default = pytorch-2.15.0-compile-default" in text and "(8 s compile)" in text
    assert "| realnvp2d-train | 200.0 | 100.0 |" in text
    rows[-1]["flush_denormal"] = False  # a peer that kept subnormals: the ratio would compare two arithmetics
    with pytest.raises(ValueError, match="kept subnormals"):
        peer_table(rows)


def test_a_peer_without_a_workload_is_left_out_of_its_row_not_counted_as_zero():
    # FlowJAX (330 on the flow workloads, faster than JAX's 120 there) has no VAE: the VAE rows' fastest is JAX,
    # their FlowJAX cell is a dash, and measure() never starts FlowJAX on a VAE workload.
    from analysis.bench import FLOW_WORKLOADS, peer_commands, peer_markdown, peer_table
    rows = rows_with({w: 2.0 for w in WORKLOADS})
    for w in WORKLOADS:
        rows.append({"workload": w, "side": "jax", "value": 120.0, "repeat": 0, "impl": "jax-0.10.2",
                     "flush_denormal": True, "compile_seconds": 1.0})
        if w in FLOW_WORKLOADS:
            rows.append({"workload": w, "side": "flowjax", "value": 330.0, "repeat": 0,
                         "impl": "flowjax-19.1.2+jax-0.10.2", "flush_denormal": True, "compile_seconds": 2.0})
    table = {t["workload"]: t for t in peer_table(rows)}
    assert table["maf8d-train"]["fastest"] == "flowjax" and abs(table["maf8d-train"]["ratio"] - 200 / 330) < 1e-12
    assert table["vae-mnist-train"]["fastest"] == "jax" and "flowjax" not in table["vae-mnist-train"]["values"]
    text = peer_markdown(list(table.values()), rows)
    assert "| vae-mnist-train | 200.0 | 100.0 | 120.0 (1 s compile) | — | jax |" in text
    sides = {side: (command, workloads) for side, command, workloads in
             peer_commands("py", "ref.py", False, "jpy", "fpy", "/usr/bin/python3")}
    assert {side: workloads for side, (_, workloads) in sides.items()} == \
        {"pytorch-continuity": WORKLOADS, "jax": WORKLOADS, "flowjax": FLOW_WORKLOADS}
    assert sides["pytorch-continuity"][0] == ["/usr/bin/python3", "ref.py"]  # the same reference, another PyTorch


def test_all_cores_rows_say_how_many_threads_each_side_ran():
    from analysis.bench import threads_env
    rows = rows_with({w: 2.0 for w in WORKLOADS})
    for r in rows:
        if r["side"] == "pytorch":
            r["threads"] = 2
        elif r["workload"] != "sgemm":
            r.update(kokkos="OpenMP", threads=2, blas_threads=2)
    text = markdown(summarise(rows), rows)
    assert "2 threads each (ours: Kokkos OpenMP with 2 threads, its BLAS 2)" in text
    env = threads_env(2)
    assert env["OMP_NUM_THREADS"] == "2" and env["OMP_WAIT_POLICY"] == "active" and "OPENBLAS_NUM_THREADS" not in env
