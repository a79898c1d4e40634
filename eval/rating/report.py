"""Write the ratings report as Markdown and HTML, with matplotlib plots beside them."""

from __future__ import annotations

import html
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from eval.rating.analysis import Summary
from eval.rating.rubric import DIMENSIONS, TITLES


def _fmt(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:.{digits}f}"


def _plots(summary: Summary, out: Path) -> list[tuple[str, str]]:
    """Draw whichever plots the data supports; returns (title, file name) pairs."""
    made: list[tuple[str, str]] = []
    if summary.config_means:
        fig, ax = plt.subplots(figsize=(7, 3.5))
        configs = list(summary.config_means)
        width = 0.8 / len(configs)
        x = np.arange(len(DIMENSIONS))
        for k, config in enumerate(configs):
            ax.bar(
                x + k * width,
                [summary.config_means[config][d] for d in DIMENSIONS],
                width,
                label=config,
            )
        ax.set_xticks(
            x + width * (len(configs) - 1) / 2, [TITLES[d] for d in DIMENSIONS], fontsize=8
        )
        ax.set_ylim(1, 5)
        ax.set_ylabel("mean Likert score")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(out / "likert_means.png", dpi=110)
        plt.close(fig)
        made.append(("Mean Likert scores per configuration", "likert_means.png"))
    if summary.leaderboard:
        fig, ax = plt.subplots(figsize=(6, 0.6 + 0.5 * len(summary.leaderboard)))
        rows = list(reversed(summary.leaderboard))
        y = np.arange(len(rows))
        centre = np.array([r.log_strength for r in rows])
        err = np.array(
            [[r.log_strength - r.ci_low for r in rows], [r.ci_high - r.log_strength for r in rows]]
        )
        ax.errorbar(centre, y, xerr=np.clip(err, 0, None), fmt="o", capsize=4)
        ax.set_yticks(y, [r.config for r in rows])
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_xlabel("Bradley-Terry log-strength (95% bootstrap CI)")
        fig.tight_layout()
        fig.savefig(out / "leaderboard.png", dpi=110)
        plt.close(fig)
        made.append(("Bradley-Terry leaderboard", "leaderboard.png"))
    if len(summary.win_names) >= 2:
        rates = np.array([[np.nan if v is None else v for v in row] for row in summary.win_rates])
        fig, ax = plt.subplots(figsize=(1.5 + len(rates), 1 + 0.8 * len(rates)))
        image = ax.imshow(rates, vmin=0, vmax=1, cmap="RdYlGn")
        ax.set_xticks(range(len(rates)), summary.win_names, rotation=30, ha="right")
        ax.set_yticks(range(len(rates)), summary.win_names)
        for i in range(len(rates)):
            for j in range(len(rates)):
                if not np.isnan(rates[i, j]):
                    ax.text(j, i, f"{rates[i, j]:.2f}", ha="center", va="center")
        fig.colorbar(image, ax=ax, label="row's win rate")
        fig.tight_layout()
        fig.savefig(out / "win_rates.png", dpi=110)
        plt.close(fig)
        made.append(("Win-rate matrix (row beats column; ties count half)", "win_rates.png"))
    return made


def _tables(summary: Summary) -> list[tuple[str, list[str], list[list[str]]]]:
    tables: list[tuple[str, list[str], list[list[str]]]] = []
    tables.append(
        (
            "Agreement: Krippendorff's alpha per dimension",
            ["dimension", "ordinal", "interval", "nominal", "items rated twice+"],
            [
                [
                    TITLES[a.dimension],
                    _fmt(a.ordinal),
                    _fmt(a.interval),
                    _fmt(a.nominal),
                    str(a.units),
                ]
                for a in summary.agreement
            ],
        )
    )
    if summary.kappas:
        tables.append(
            (
                "Rater pairs: quadratic-weighted Cohen's kappa",
                ["rater", "rater", "dimension", "kappa", "shared items"],
                [
                    [k.rater_a, k.rater_b, TITLES[k.dimension], _fmt(k.kappa), str(k.shared_items)]
                    for k in summary.kappas
                ],
            )
        )
    if summary.config_means:
        tables.append(
            (
                "Mean Likert scores",
                ["configuration", *[TITLES[d] for d in DIMENSIONS]],
                [
                    [c, *[_fmt(m[d], 2) for d in DIMENSIONS]]
                    for c, m in summary.config_means.items()
                ],
            )
        )
    if summary.leaderboard:
        tables.append(
            (
                "Leaderboard (Bradley-Terry; ties and 'both bad' count half a win)",
                ["rank", "configuration", "strength", "log-strength", "95% CI", "comparisons"],
                [
                    [
                        str(i + 1),
                        r.config,
                        _fmt(r.strength),
                        _fmt(r.log_strength, 2),
                        f"[{_fmt(r.ci_low, 2)}, {_fmt(r.ci_high, 2)}]",
                        str(r.comparisons),
                    ]
                    for i, r in enumerate(summary.leaderboard)
                ],
            )
        )
        pb = summary.position_bias
        tables.append(
            (
                "Position bias (does the answer shown first win more than half of decisive votes?)",
                ["decisive votes", "first shown won", "rate", "binomial p"],
                [[str(pb.decisive), str(pb.first_wins), _fmt(pb.first_rate, 2), _fmt(pb.p_value)]],
            )
        )
    if summary.correlations:
        tables.append(
            (
                "Human ratings vs automatic metrics (Spearman, per item)",
                ["dimension", "metric", "rho", "p", "items"],
                [
                    [TITLES[c.dimension], c.metric, _fmt(c.rho), _fmt(c.p_value), str(c.n)]
                    for c in summary.correlations
                ],
            )
        )
    if summary.gold:
        tables.append(
            (
                "Gold checks (flagged raters may be careless)",
                ["rater", "gold answered", "passed", "pass rate", "flagged"],
                [
                    [
                        g.rater_id,
                        str(g.answered),
                        str(g.passed),
                        _fmt(g.pass_rate, 2),
                        "YES" if g.flagged else "",
                    ]
                    for g in summary.gold
                ],
            )
        )
    return tables


def write_report(summary: Summary, out: Path) -> tuple[Path, Path]:
    """Write report.md, report.html and the PNG plots into `out`; return both report paths."""
    out.mkdir(parents=True, exist_ok=True)
    plots = _plots(summary, out)
    tables = _tables(summary)
    intro = (
        f"{summary.items} items, {summary.likert_ratings} Likert ratings, "
        f"{summary.comparisons} side-by-side votes from {len(summary.raters)} registered raters."
    )
    md = ["# Human ratings report", "", intro, ""]
    page = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Human ratings report</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:2px 8px}</style>",
        "</head><body><h1>Human ratings report</h1>",
        f"<p>{html.escape(intro)}</p>",
    ]
    for title, header, rows in tables:
        md += [f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        md += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
        md.append("")
        page.append(f"<h2>{html.escape(title)}</h2><table><tr>")
        page += [f"<th>{html.escape(h)}</th>" for h in header]
        page.append("</tr>")
        for row in rows:
            page.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
        page.append("</table>")
    for title, name in plots:
        md += [f"## {title}", "", f"![{title}]({name})", ""]
        page.append(
            f"<h2>{html.escape(title)}</h2>"
            f"<img src='{html.escape(name)}' alt='{html.escape(title)}'>"
        )
    page.append("</body></html>")
    md_path, html_path = out / "report.md", out / "report.html"
    md_path.write_text("\n".join(md), encoding="utf-8")
    html_path.write_text("\n".join(page), encoding="utf-8")
    return md_path, html_path
