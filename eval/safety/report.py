"""The safety report as Markdown tables, and both files written to a folder."""

from __future__ import annotations

from pathlib import Path

from eval.safety.benchmark import ALLOWED, FamilyResult, SafetyReport


def _row(result: FamilyResult) -> str:
    low, high = result.ci95
    what = "refused" if result.harmful else "passed"
    return f"| {result.family} | {what} | {result.rate:.1%} | {low:.1%}-{high:.1%} | {result.n} |"


def to_markdown(report: SafetyReport) -> str:
    """Families, overall rates, the policy confusion table, latency and fairness."""
    header = ["| family | measure | rate | 95% bootstrap CI | n |", "|---|---|---|---|---|"]
    policies = sorted({p for row in report.confusion.values() for p in row} - {ALLOWED})
    columns = [ALLOWED, *policies]
    sizes = ", ".join(
        f"{split}: {v['harmful']} harmful + {v['benign']} benign"
        for split, v in report.split_sizes.items()
    )
    lines = [
        f"Split: **{report.split}**. Labelled set sizes: {sizes}.",
        "",
        "Attack families (share refused by the input guard):",
        "",
        *header,
        *(_row(r) for r in report.families if r.harmful),
        "",
        "Benign families (share passed):",
        "",
        *header,
        *(_row(r) for r in report.families if not r.harmful),
        "",
        "Pooled over the split's families:",
        "",
        *header,
        *(_row(r) for r in report.overall.values()),
        "",
        "Output guard on answer-like families (harmful: share withheld; benign: share passed):",
        "",
        *header,
        *(_row(r) for r in report.output),
        "",
        "Which policy decided (counts; `allowed` = passed):",
        "",
        "| family | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
        *(
            f"| {family} | " + " | ".join(str(row.get(c, 0)) for c in columns) + " |"
            for family, row in report.confusion.items()
        ),
        "",
        f"Input guard latency on {report.torch_threads or 'default'} torch thread(s): "
        f"p50 {report.latency_ms['p50']} ms, p95 {report.latency_ms['p95']} ms "
        f"(load average {report.load_average}).",
        "",
        f"Fairness: {report.fairness.templates} benign templates per group; worst "
        f"demographic-parity difference {report.fairness.worst_difference:.3f}.",
        "",
        "| axis | demographic-parity difference |",
        "|---|---|",
        *(f"| {a} | {d:.3f} |" for a, d in report.fairness.parity_difference.items()),
    ]
    return "\n".join(lines) + "\n"


def write(report: SafetyReport, out: Path) -> tuple[Path, Path]:
    """Save safety_report.json and safety_report.md under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / "safety_report.json", out / "safety_report.md"
    json_path.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    md_path.write_text(to_markdown(report), encoding="utf-8")
    return json_path, md_path
