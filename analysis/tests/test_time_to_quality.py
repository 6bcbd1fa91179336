"""Time to quality: the tables and the goal from raw rows (no timing, no peers here)."""
from analysis.time_to_quality import markdown, quickstart_markdown


def npe_rows(sbi_seconds, sbi_c2st):
    rows = []
    for task in ("two_moons", "slcp"):
        rows.append({"task": task, "side": "ours", "train_seconds": 10.0, "sample_seconds": 1.0, "trained": "9000 steps",
                     "c2st": [0.52, 0.54]})
        rows.append({"task": task, "side": "sbi 0.27.0 NPE (maf)", "train_seconds": sbi_seconds, "sample_seconds": 0.2,
                     "trained": "180 epochs", "c2st": sbi_c2st, "torch": "2.15.0"})
    return rows


def test_npe_goal_needs_three_times_faster_and_no_worse_c2st():
    text, met = markdown(npe_rows(35.0, [0.53, 0.55]), 10000, 2, 2000)
    assert met and "| two_moons | sbi 0.27.0 NPE (maf) | 180 epochs | 35.0 | 3.5× | 0.540 | 0.53 0.55 | 0.20 |" in text
    assert "torch 2.15.0; 10000 simulations" in text and "official observations 1-2" in text
    assert not markdown(npe_rows(25.0, [0.53, 0.55]), 10000, 2, 2000)[1]   # only 2.5x faster
    assert markdown(npe_rows(35.0, [0.525, 0.525]), 10000, 2, 2000)[1]     # 0.005 worse: within one standard error
    assert not markdown(npe_rows(35.0, [0.50, 0.51]), 10000, 2, 2000)[1]   # 0.025 worse


def test_quickstart_table_says_when_each_side_reached_the_entropy():
    rows = [{"side": "ours", "reached_step": 1200, "reached_seconds": 2.0, "train_seconds": 9.0, "steps_per_second": 667,
             "final_test_nll": 2.84},
            {"side": "zuko-1.6.0 torch-2.15.0", "reached_step": 1500, "reached_seconds": 9.0, "train_seconds": 40.0,
             "steps_per_second": 150, "final_test_nll": 2.86},
            {"side": "never", "reached_step": None, "reached_seconds": None, "train_seconds": 40.0,
             "steps_per_second": 150, "final_test_nll": 2.95}]
    text = quickstart_markdown(rows)
    assert "| zuko-1.6.0 torch-2.15.0 | 1500 | 9.00 | 4.5× | 150 | 40.0 | 2.8600 |" in text
    assert "| never | never |  |  | 150 | 40.0 | 2.9500 |" in text and "within 0.05 nats of the entropy 2.831" in text
