"""The cold-start benchmark's summary: medians per embedder and what the children imported."""

from __future__ import annotations

from eval.bench.cold_start import imported, summary


def test_summary_takes_medians_and_notices_torch() -> None:
    runs = [
        {"retrieval_s": s, "retrieval_torch": False, "ask_s": s + 1, "ask_peak_rss_gb": 0.5}
        | {"ask_imported": []}
        for s in (4.0, 9.0, 5.0)
    ]
    out = summary(runs)
    assert out["median_retrieval_s"] == 5.0 and out["median_ask_s"] == 6.0
    assert not out["torch_imported"]
    runs[1]["ask_imported"] = ["torch"]
    assert summary(runs)["torch_imported"]


def test_the_child_reports_its_heavy_modules_on_its_last_line() -> None:
    assert imported("noise\nMODULES []\n") == []
    assert imported('MODULES ["torch"]\nMODULES ["torch", "transformers"]') == [
        "torch",
        "transformers",
    ]
    assert imported("no report") is None
