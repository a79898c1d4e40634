"""The Knowledge base tab: what is indexed, the last ingestion report, and uploads.

Uploads are copied into `<data_dir>/uploads` and indexed in place by `Assistant.ingest`,
without a restart. A file that cannot be parsed is reported and removed from the uploads
folder; what was already indexed stays indexed. Uploads run one at a time.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gradio as gr

from rag.documents import SUPPORTED_SUFFIXES
from rag.errors import CoursebotError
from ui.holder import AssistantHolder, AssistantLike

log = logging.getLogger(__name__)

UPLOAD_TYPES = list(SUPPORTED_SUFFIXES)
"""What the upload box accepts: exactly what rag/ can read."""
INGEST = "ingest"
ProgressFn = Callable[..., Any]
KbOutputs = tuple[dict[str, Any], str, str, dict[str, Any] | None]


def _as_dict(item: Any) -> dict[str, Any]:
    if hasattr(item, "model_dump"):
        data: dict[str, Any] = item.model_dump(mode="json")
        return data
    if isinstance(item, dict):
        return dict(item)
    return {"document": str(item)}


FIRST_COLUMNS = ["source", "chunks", "size", "modified"]


def _cell(key: str, value: Any) -> Any:
    if key == "modified" and isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M")
    if key == "sha256" and isinstance(value, str):
        return value[:12]
    return value


def documents_table(documents: Sequence[Any]) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows for whatever records `Assistant.documents()` returns."""
    rows = [_as_dict(d) for d in documents]
    headers = [h for h in FIRST_COLUMNS if any(h in row for row in rows)]
    for row in rows:
        headers += [k for k in row if k not in headers and not isinstance(row[k], dict | list)]
    return headers, [[_cell(h, row.get(h, "")) for h in headers] for row in rows]


def counts_markdown(documents: Sequence[Any]) -> str:
    rows = [_as_dict(d) for d in documents]
    chunks = sum(int(r.get("chunks", 0) or 0) for r in rows)
    return f"**{len(rows)} documents indexed, {chunks} passages.**"


def report_markdown(report: Any) -> str:
    if report is None:
        return "_No ingestion report yet._"
    if hasattr(report, "to_markdown"):
        text = str(report.to_markdown()).replace("# Ingestion report", "### Last ingestion", 1)
        return text.replace("\n## ", "\n#### ")
    return f"```json\n{report}\n```"


def upload_target(uploads: Path, source: Path) -> Path:
    """Where an uploaded file goes: its own name, suffixed when a different file has it."""
    name = Path(source.name).name
    target = uploads / name
    if not target.exists() or _same_bytes(target, source):
        return target
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:8]
    return uploads / f"{target.stem}-{digest}{target.suffix}"


def _same_bytes(a: Path, b: Path) -> bool:
    return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


class KbHandlers:
    """The Knowledge base tab's handlers, free of components so tests can call them."""

    def __init__(self, holder: AssistantHolder) -> None:
        self.holder = holder
        self.uploads = holder.settings.data_dir / "uploads"

    def refresh(self) -> KbOutputs:
        """(documents table, counts, report Markdown, report JSON) for the page."""
        try:
            bot = self.holder.get()
        except CoursebotError as exc:
            return {"headers": ["document"], "data": [[""]]}, str(exc), "", None
        documents = list(bot.documents())
        report = bot.last_report()
        headers, rows = documents_table(documents)
        dumped = report.model_dump(mode="json") if hasattr(report, "model_dump") else None
        table = {"headers": headers or ["document"], "data": rows or [["" for _ in headers]]}
        return table, counts_markdown(documents), report_markdown(report), dumped

    def upload(self, files: Sequence[Any] | None, progress: ProgressFn | None = None) -> str:
        """Copy and index the uploaded files; returns a message for the page."""
        paths = [Path(getattr(f, "name", f)) for f in (files or [])]
        if not paths:
            return "Choose one or more files (.md, .txt, .pdf, .html) first."
        try:
            bot = self.holder.get()
        except CoursebotError as exc:
            return str(exc)
        unsupported = [p.name for p in paths if p.suffix.lower() not in UPLOAD_TYPES]
        paths = [p for p in paths if p.suffix.lower() in UPLOAD_TYPES]
        lines = [
            f"**{name}**: not indexed, unsupported format (use .md, .txt, .pdf or .html)"
            for name in unsupported
        ]
        if not paths:
            return "\n\n".join(lines)
        self.uploads.mkdir(parents=True, exist_ok=True)
        copies: list[Path] = []
        for path in paths:
            target = upload_target(self.uploads, path)
            shutil.copyfile(path, target)
            copies.append(target)
        if progress is not None:
            progress(0.1, desc=f"Indexing {len(copies)} file(s)…")
        try:
            report = self._ingest(bot, copies, progress)
        except CoursebotError as exc:
            self._discard(copies)
            return "\n\n".join([*lines, f"**Nothing new was indexed**: {exc}"])
        except Exception:
            log.exception("upload failed")
            self._discard(copies)
            return "\n\n".join(
                [
                    *lines,
                    "**Indexing failed** (logged on the server); nothing already indexed was lost.",
                ]
            )
        by_path = {Path(f.path).resolve(): f for f in getattr(report, "files", [])}
        for copy in copies:
            entry = by_path.get(copy.resolve())
            if entry is None:
                lines.append(f"**{copy.name}**: indexed")
            elif entry.status in ("indexed", "unchanged"):
                lines.append(f"**{copy.name}**: {entry.status}, {entry.chunks} passages")
            else:
                self._discard([copy])
                reason = f": {entry.reason}" if entry.reason else ""
                lines.append(f"**{copy.name}**: not indexed ({entry.status}{reason})")
        name = getattr(report, "file_name", None)
        if name:
            lines.append(f"Report: `reports/{name}`")
        return "\n\n".join(lines)

    @staticmethod
    def _ingest(bot: AssistantLike, copies: list[Path], progress: ProgressFn | None) -> Any:
        def on_progress(done: int, total: int, stage: str) -> None:
            if progress is not None:
                progress(0.1 + 0.9 * done / max(total, 1), desc=f"{stage} {done}/{total}")

        return bot.ingest(copies, on_progress=on_progress)

    @staticmethod
    def _discard(copies: list[Path]) -> None:
        for copy in copies:
            copy.unlink(missing_ok=True)


def kb_page(holder: AssistantHolder) -> None:
    """Build the Knowledge base tab's components inside the current Tab context."""
    handlers = KbHandlers(holder)
    counts = gr.Markdown(elem_id="cb-kb-counts")
    table = gr.Dataframe(label="Indexed documents", interactive=False, elem_id="cb-kb-docs")
    with gr.Row():
        files = gr.File(
            label="Add documents (.md .txt .pdf .html)",
            file_count="multiple",
            file_types=UPLOAD_TYPES,
            elem_id="cb-upload",
            scale=3,
        )
        with gr.Column(scale=1):
            index_button = gr.Button("Index uploaded files", variant="primary", elem_id="cb-index")
            refresh_button = gr.Button("Refresh")
    message = gr.Markdown(elem_id="cb-upload-message")
    report_md = gr.Markdown()
    with gr.Accordion("Last ingestion report (JSON)", open=False):
        report_json = gr.JSON()
    timer = gr.Timer(2.0)
    outputs = [table, counts, report_md, report_json]

    refresh = handlers.refresh

    def refresh_until_ready() -> tuple[Any, ...]:
        return (*refresh(), gr.Timer(active=not holder.wait(0)))

    def upload(chosen: list[Any] | None, progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008
        return handlers.upload(chosen, progress)

    def after_upload() -> tuple[Any, ...]:
        return (None, *refresh())

    timer.tick(refresh_until_ready, outputs=[*outputs, timer], api_visibility="private")
    refresh_button.click(refresh, outputs=outputs, api_visibility="private")
    # `/upload` returns only the message. The report JSON holds {"path": ...} entries,
    # which gradio_client takes for files to download; the server (rightly) does not
    # serve data_dir, so returning it made every client upload end in 403 Forbidden.
    index_button.click(
        upload,
        inputs=[files],
        outputs=[message],
        concurrency_limit=1,
        concurrency_id=INGEST,
        api_name="upload",
    ).then(after_upload, outputs=[files, *outputs], api_visibility="private")
