"""`coursebot index status` and `coursebot index rollback`: what the index holds, and
going back one version."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from ui.cli.common import friendly_errors, settings_from

if TYPE_CHECKING:
    from rag.index import IndexStore


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@click.group(name="index")
def command() -> None:
    """Inspect the index: its sources and versions; roll back to the previous version."""


@command.command(name="status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_context
@friendly_errors
def status(ctx: click.Context, as_json: bool) -> None:
    """List the index's sources, its versions and whether each verifies."""
    from pathlib import Path

    store = _store(ctx)
    versions = store.versions()
    sources = store.known_sources()
    pointer = store.pointer()
    if as_json:
        data = {
            "index_dir": str(store.dir),
            "current": pointer,
            "sources": [{**s.model_dump(), "exists": Path(s.path).exists()} for s in sources],
            "versions": [v.model_dump() for v in versions],
        }
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"Index: {store.dir}")
    if not versions:
        click.echo("No index yet. Build it with `coursebot ingest`.")
        return
    live = next((v for v in versions if v.current), None)
    if pointer is None or live is None:
        click.echo("CURRENT: missing or damaged (the next use recovers the newest intact version)")
    else:
        click.echo(f"CURRENT: {pointer}")
    click.echo(f"\nSources ({len(sources)}):")
    for source in sources:
        gone = "" if Path(source.path).exists() else "  [gone: dropped at the next rebuild]"
        click.echo(f"  {source.kind:<6} {source.path}{gone}")
    click.echo(f"\nVersions ({len(versions)}, oldest first):")
    for v in versions:
        mark = "*" if v.current else " "
        check = "ok" if v.problem is None else f"DAMAGED: {v.problem}"
        click.echo(
            f" {mark} {v.name}  {_when(v.created_at)}  {v.documents} documents, "
            f"{v.chunks} chunks  {check}"
        )


@command.command(name="rollback")
@click.pass_context
@friendly_errors
def rollback(ctx: click.Context) -> None:
    """Make the previous intact version the live index (the newer one is kept)."""

    store = _store(ctx)
    name = store.rollback()
    click.echo(f"The index is now at {name}. `coursebot ingest` brings it up to date again.")


def _store(ctx: click.Context) -> IndexStore:
    from rag.index import IndexStore

    settings = settings_from(ctx)
    return IndexStore(settings.index_dir, keep_versions=settings.index.keep_versions)
