"""report.md and report.html (plots embedded as base64 PNGs) for one run directory."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.hallucination.runner import RunMetrics
from eval.hallucination.stats import Estimate


def fmt(estimate: Estimate) -> str:
    if estimate.value is None:
        return "n/a"
    if estimate.low is None or estimate.high is None:
        return f"{estimate.value:.3f}"
    return f"{estimate.value:.3f} [{estimate.low:.3f}, {estimate.high:.3f}]"


def write_reports(
    out_dir: Path, run_info: dict[str, Any], metrics: RunMetrics, records: Sequence[dict[str, Any]]
) -> None:
    plots = {
        "rates": _rates_plot(metrics),
        "scores": _scores_plot(records),
        "kinds": _kinds_plot(records),
    }
    for name, png in plots.items():
        (out_dir / f"{name}.png").write_bytes(png)
    (out_dir / "report.md").write_text(_markdown(run_info, metrics, records), encoding="utf-8")
    (out_dir / "report.html").write_text(_html(run_info, metrics, records, plots), encoding="utf-8")


def _rows(metrics: RunMetrics) -> list[tuple[str, str, int]]:
    return [(name, fmt(est), est.n) for name, est in metrics.rates.items()]


def _verifier_lines(metrics: RunMetrics) -> list[str]:
    cal = metrics.verifier
    if cal is None:
        return ["Verifier not calibrated in this run."]
    s = cal.cross_validated
    return [
        f"Verifier on {s.n} labelled pairs ({cal.method}): accuracy {s.accuracy:.3f}, "
        f"precision {s.precision:.3f}, recall {s.recall:.3f}, F1 {s.f1:.3f}, "
        f"unsupported recall {s.unsupported_recall:.3f}; threshold {cal.config.threshold:.2f}, "
        f"embedding weight {cal.config.embedding_weight:.2f}.",
    ]


def _failures(records: Sequence[dict[str, Any]], limit: int = 15) -> list[dict[str, Any]]:
    bad = [
        r for r in records if r["metrics"].get("hallucinated") or r["metrics"].get("trap_failure")
    ]
    return bad[:limit]


def _markdown(info: dict[str, Any], metrics: RunMetrics, records: Sequence[dict[str, Any]]) -> str:
    lines = [
        f"# Hallucination evaluation: {metrics.name}",
        "",
        f"Model `{info.get('model', {}).get('file')}` "
        f"(sha256 {info.get('model', {}).get('sha256_prefix')}), settings "
        f"`{info.get('settings_fingerprint')}`, overrides `{info.get('overrides')}`, "
        f"{metrics.n_questions} questions, started {info.get('started_at')}.",
        "",
        "| metric | value [95% CI] | n |",
        "|---|---|---|",
        *(f"| {n} | {v} | {k} |" for n, v, k in _rows(metrics)),
        "",
        *_verifier_lines(metrics),
        "",
        "![rates](rates.png) ![scores](scores.png) ![kinds](kinds.png)",
        "",
        "## Answers with unsupported claims or stated forbidden claims",
        "",
    ]
    for r in _failures(records):
        unsupported = [c["text"] for c in r.get("claims", []) if not c["supported"]]
        lines.append(f"- **{r['id']}** {r['question']} -> unsupported: {unsupported}")
    return "\n".join(lines) + "\n"


def _html(
    info: dict[str, Any],
    metrics: RunMetrics,
    records: Sequence[dict[str, Any]],
    plots: dict[str, bytes],
) -> str:
    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(n)}</td><td>{esc(v)}</td><td>{k}</td></tr>" for n, v, k in _rows(metrics)
    )
    images = "".join(
        f'<img alt="{esc(n)}" src="data:image/png;base64,{base64.b64encode(p).decode()}">'
        for n, p in plots.items()
    )
    failures = "".join(
        f"<li><b>{esc(r['id'])}</b> {esc(r['question'])}<br><i>{esc(r['answer']['text'])}</i></li>"
        for r in _failures(records)
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{esc(metrics.name)}</title></head><body>"
        f"<h1>Hallucination evaluation: {esc(metrics.name)}</h1>"
        f"<p>Model {esc(str(info.get('model', {}).get('file')))}, settings "
        f"{esc(str(info.get('settings_fingerprint')))}, {metrics.n_questions} questions.</p>"
        f"<table border='1'><tr><th>metric</th><th>value [95% CI]</th><th>n</th></tr>{rows}</table>"
        f"<p>{esc(' '.join(_verifier_lines(metrics)))}</p>{images}"
        f"<h2>Answers with unsupported or forbidden claims</h2><ul>{failures}</ul></body></html>"
    )


def _figure_png(draw: Any) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    draw(ax)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()


def _rates_plot(metrics: RunMetrics) -> bytes:
    items = [(n, e) for n, e in metrics.rates.items() if e.value is not None]

    def draw(ax: Any) -> None:
        values = [e.value or 0.0 for _, e in items]
        low = [
            max(0.0, (e.value or 0) - (e.low if e.low is not None else e.value or 0))
            for _, e in items
        ]
        high = [
            max(0.0, (e.high if e.high is not None else e.value or 0) - (e.value or 0))
            for _, e in items
        ]
        ax.barh([n for n, _ in items], values, xerr=[low, high], color="#4c78a8")
        ax.set_xlim(0, 1)
        ax.set_xlabel("rate (95% bootstrap CI)")

    return _figure_png(draw)


def _scores_plot(records: Sequence[dict[str, Any]]) -> bytes:
    scores = [c["score"] for r in records for c in r.get("claims", [])]

    def draw(ax: Any) -> None:
        ax.hist(scores or [0.0], bins=20, range=(0, 1), color="#f58518")
        ax.set_xlabel("claim support score (best passage)")
        ax.set_ylabel("claims")

    return _figure_png(draw)


def _kinds_plot(records: Sequence[dict[str, Any]]) -> bytes:
    kinds = ["answerable", "unanswerable", "trap"]

    def draw(ax: Any) -> None:
        declined = [
            sum(r["kind"] == k and r["metrics"]["declined"] for r in records) for k in kinds
        ]
        answered = [
            sum(r["kind"] == k and not r["metrics"]["declined"] for r in records) for k in kinds
        ]
        ax.bar(kinds, answered, label="answered", color="#54a24b")
        ax.bar(kinds, declined, bottom=answered, label="declined", color="#b279a2")
        ax.set_ylabel("questions")
        ax.legend()

    return _figure_png(draw)
