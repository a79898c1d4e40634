"""`coursebot watermark detect FILE|-`: did this text come from coursebot?

Prints the provenance report's one-line verdict (quoted from the documents, generated
with the watermark, a remembered coursebot answer), `--spans` the spans behind it, and
`--json` the whole report.
"""

from __future__ import annotations

from typing import BinaryIO

import click

from ui.cli.common import friendly_errors, offline, settings_from


@click.group(name="watermark")
def command() -> None:
    """Tell a coursebot answer from a person's writing (watermark, quotes, answer memory)."""
    offline()


@command.command(name="detect")
@click.argument("source", type=click.File("rb"))
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@click.option("--spans", is_flag=True, help="Also list the spans each signal found.")
@click.pass_context
@friendly_errors
def detect(ctx: click.Context, source: BinaryIO, as_json: bool, spans: bool) -> None:
    """Check SOURCE (a file, or - for standard input) against the documents, the
    watermark key and the remembered answers."""
    from rag.provenance.check import provenance_report

    text = source.read().decode("utf-8", errors="replace")
    report = provenance_report(text, settings_from(ctx))
    if as_json:
        click.echo(report.model_dump_json(indent=2))
        return
    click.echo(report.verdict)
    if spans:
        for span in report.quoted.spans:
            click.echo(f"quoted ({span.source}, {span.section}): {span.text!r}")
        for span in report.generated.spans:
            click.echo(f"watermarked (z {span.z:.1f}, p {span.p_value:.2g}): {span.text!r}")
        for span in report.answer.spans:
            click.echo(f"answer #{span.turn_id} of {span.date}: {span.text!r}")
    for note in report.notes:
        click.echo(f"note: {note}")
