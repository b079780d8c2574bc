"""The report never looks complete while mixing runs, and checks its options first.

These tests replace the report's work (`_build`) by a fake one, so they need
no data: what is tested is how the folder is written, swapped and protected.
"""

import json
import threading
import time

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from skdigits import report as report_module
from skdigits.__main__ import main


def fake_build(seed_pause=0.0, interrupt=False):
    """A `_build` that writes a report of its seed, figure by figure."""

    def build(output, *, random_state, **kwargs):
        (output / "figures").mkdir()
        for i in range(3):
            (output / "figures" / f"f{i}.png").write_text(str(random_state))
            time.sleep(seed_pause)
            if interrupt and i == 1:
                raise KeyboardInterrupt
        metrics = {"seed": random_state, "failures": [], "total_time_s": 0.0}
        (output / "metrics.json").write_text(json.dumps(metrics))
        (output / "index.html").write_text(f"<p>{random_state}</p>")
        return metrics

    return build


def report_of(folder):
    """The seed that each file of a report folder comes from."""
    seeds = {json.loads((folder / "metrics.json").read_text())["seed"]}
    seeds.add(int((folder / "index.html").read_text()[3:-4]))
    seeds |= {int(p.read_text()) for p in (folder / "figures").iterdir()}
    return seeds


def run_report(output, seed=0):
    return main(["report", "--output", str(output), "--random-state", str(seed)])


def test_interrupted_rerun_leaves_the_earlier_report_whole(
    tmp_path, monkeypatch, capsys
):
    output = tmp_path / "report"
    monkeypatch.setattr(report_module, "_build", fake_build())
    assert run_report(output, seed=1) == 0
    assert report_of(output) == {1}
    monkeypatch.setattr(report_module, "_build", fake_build(interrupt=True))
    assert run_report(output, seed=2) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "interrupted"
    assert report_of(output) == {1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no leftovers


def test_two_reports_into_one_folder_do_not_mix(tmp_path, monkeypatch):
    output = tmp_path / "report"
    monkeypatch.setattr(report_module, "_build", fake_build(seed_pause=0.05))
    codes = []
    threads = [
        threading.Thread(target=lambda s=s: codes.append(run_report(output, s)))
        for s in (1, 2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert codes == [0, 0]
    assert report_of(output) in ({1}, {2})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--max-iter", "0", "max_iter must be an integer >= 1"),
        ("--tsne-samples", "-5", "tsne_samples must be an integer >= 10"),
        ("--n-images", "0", "n_images must be an integer >= 1"),
    ],
)
def test_options_are_checked_before_any_work(
    tmp_path, monkeypatch, capsys, option, value, message
):
    def no_work(*args, **kwargs):
        raise AssertionError("the report started working")

    monkeypatch.setattr(report_module, "_build", no_work)
    code = main(["report", "--output", str(tmp_path / "r"), option, value])
    assert code == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_a_folder_that_is_not_a_report_is_not_replaced(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(report_module, "_build", fake_build())
    (tmp_path / "notes.txt").write_text("mine")
    assert run_report(tmp_path) == 1
    assert "is not a report folder" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_model_names_are_escaped_and_figure_names_checked(tmp_path):
    X, y = load_digits(return_X_y=True)
    model = LogisticRegression(max_iter=200).fit(X, y)
    report = report_module.Report(tmp_path)
    name = "<script>alert(1)</script>"
    report.metrics["models"] = {
        name: {
            "accuracy": 1.0,
            "epochs": 1,
            "fit_time_s": 0,
            "predict_time_10k_s": 0,
            "rejection_for_0_5_percent_error": 0.1,
            "rejection_for_0_1_percent_error": 0.2,
            "expected_calibration_error": 0.01,
        }
    }
    report_module._metrics_tables(report, {name: model}, X, y)
    page = "".join(report.sections)
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    with pytest.raises(ValueError, match="figure name"):
        report.figure("t", "../outside", display=None)
    assert not (tmp_path.parent / "outside.png").exists()
    assert np.isclose(report.metrics["models"][name]["accuracy"], 1.0)
