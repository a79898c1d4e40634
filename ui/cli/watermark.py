"""`coursebot watermark detect FILE|-`: is this text watermarked by coursebot?"""

from __future__ import annotations

import json
from typing import BinaryIO

import click

from rag.watermarking import detect_spans, detect_text
from ui.cli.common import friendly_errors, offline, settings_from


@click.group(name="watermark")
def command() -> None:
    """Detect coursebot's green-list watermark in a text."""
    offline()


@command.command(name="detect")
@click.argument("source", type=click.File("rb"))
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@click.option("--spans", is_flag=True, help="Also list the marked stretches of a mixed text.")
@click.pass_context
@friendly_errors
def detect(ctx: click.Context, source: BinaryIO, as_json: bool, spans: bool) -> None:
    """Test SOURCE (a file, or - for standard input) for the watermark of the configured key."""
    text = source.read().decode("utf-8", errors="replace")
    settings = settings_from(ctx)
    verdict = detect_text(text, settings)
    marked = detect_spans(text, settings) if spans else []
    if as_json:
        payload = verdict.model_dump(exclude={"green_flags"})
        if spans:
            payload["spans"] = [
                {**span.model_dump(), "text": span_text} for span_text, span in marked
            ]
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(f"verdict: {verdict.verdict}")
    click.echo(f"z: {verdict.z:.2f} (threshold {verdict.threshold:g})")
    click.echo(f"p-value: {verdict.p_value:.3g}")
    click.echo(
        f"tokens scored: {verdict.scored_tokens} of {verdict.total_tokens} "
        f"({verdict.green_tokens} green, {verdict.green_fraction:.0%}; "
        f"expected without the mark: {verdict.gamma:.0%})"
    )
    if verdict.note:
        click.echo(f"note: {verdict.note}")
    for span_text, span in marked:
        click.echo(f"marked span, tokens {span.start}-{span.end}, z {span.z:.2f}: {span_text!r}")
