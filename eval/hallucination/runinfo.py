"""run.json: which settings, models, index and code produced a run."""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.settings import Settings


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def file_sha256(path: Path, prefix: int = 16) -> str | None:
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:prefix]


def git_commit(cwd: Path | None = None) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=cwd or Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def index_manifest(index_dir: Path) -> dict[str, Any] | None:
    """The index's manifest file if the index layer wrote one, else the files and sizes."""
    if not index_dir.is_dir():
        return None
    for name in ("manifest.json", "index.json", "meta.json"):
        candidate = index_dir / name
        if candidate.is_file():
            try:
                loaded = json.loads(candidate.read_text(encoding="utf-8"))
                return loaded if isinstance(loaded, dict) else {"manifest": loaded}
            except (OSError, ValueError):
                break
    return {"files": {p.name: p.stat().st_size for p in sorted(index_dir.iterdir()) if p.is_file()}}


def describe_run(
    name: str, settings: Settings, questions_file: Path, overrides: dict[str, Any]
) -> dict[str, Any]:
    """Everything needed to tell later which configuration a run measured."""
    from rag.paths import bundled_embedding_path, bundled_llm_path

    llm = settings.llm.path or bundled_llm_path()
    embedding = settings.index.embedding_path or bundled_embedding_path()
    return {
        "name": name,
        "started_at": utc_now(),
        "finished_at": None,
        "status": "running",
        "settings_fingerprint": settings.fingerprint(),
        "settings": settings.model_dump(mode="json", exclude={"auth_password", "auth_username"}),
        "overrides": overrides,
        "model": {
            "file": Path(llm).name,
            "path": str(llm),
            "sha256_prefix": file_sha256(Path(llm)),
        },
        "embedding_model": {"name": Path(embedding).parent.name, "path": str(embedding)},
        "index": index_manifest(settings.index_dir),
        "questions_file": {
            "path": str(questions_file),
            "sha256_prefix": file_sha256(questions_file),
        },
        "git_commit": git_commit(),
        "python": platform.python_version(),
    }
