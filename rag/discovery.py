"""Finding the documents under the folders and files given to ingestion.

Hidden files and a folder's top-level README.md are skipped; symlinked folders are not
followed (so a symlink loop cannot recurse) and every symlink left out is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rag.documents import SUPPORTED_SUFFIXES
from rag.errors import NoDocuments


def _symlink_problem(path: Path) -> str | None:
    """Why a symlink found while scanning is left out, or None when it is a file."""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:
        return "symlink loop"
    except OSError as exc:
        return "symlink loop" if exc.errno == 40 else "broken symlink"
    return "symlinked folder, not followed" if target.is_dir() else None


def discover(paths: Sequence[Path]) -> tuple[list[Path], list[Path], list[tuple[Path, str]]]:
    """Supported files under the given files/folders, the unsupported ones seen, and the
    entries left out with the reason (symlink loops, broken or folder symlinks)."""
    found: list[Path] = []
    unsupported: list[Path] = []
    problems: list[tuple[Path, str]] = []
    for root in paths:
        if not root.exists():
            raise NoDocuments(f"Knowledge-base path not found: {root}")
        candidates = [root] if root.is_file() else []
        for entry in sorted(root.rglob("*")) if root.is_dir() else []:
            if entry.is_file():
                candidates.append(entry)
            elif entry.is_symlink() and (problem := _symlink_problem(entry)):
                problems.append((entry, problem))
        for path in candidates:
            if path.name.startswith(".") or (
                path.name.lower() == "readme.md" and path.parent == root
            ):
                continue
            (found if path.suffix.lower() in SUPPORTED_SUFFIXES else unsupported).append(
                path.resolve()
            )
    return found, unsupported, problems


def display_name(path: Path, roots: Sequence[Path]) -> str:
    """The name a file is indexed under: relative to the first folder holding it."""
    for root in roots:
        root = root.resolve()
        if root.is_dir() and path.is_relative_to(root):
            return str(path.relative_to(root))
    return path.name


def unique_name(path: Path, roots: Sequence[Path], taken: dict[str, str]) -> str:
    """`display_name`, or, when another file of the index already goes by it, that name
    with as many of the file's parent folders in front as make it unique
    (`notes/index.html` beside another course's `index.html`). Two files under one name
    would share their chunks, their citations and their unchanged check."""
    name = display_name(path, roots)
    parts = path.parts
    depth = len(Path(name).parts)
    while taken.get(name, str(path)) != str(path) and depth < len(parts) - 1:
        depth += 1
        name = "/".join(parts[-depth:])
    return name if taken.get(name, str(path)) == str(path) else str(path)
