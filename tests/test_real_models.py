"""The shared real models: variants reuse the loaded parts and never change the shared one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.real_models import RealModels

pytestmark = pytest.mark.slow


def test_a_variant_shares_the_loaded_parts_and_is_built_once(real_models: RealModels) -> None:
    short = real_models.assistant(generation={"max_answer_tokens": 32})
    assert short is real_models.assistant(generation={"max_answer_tokens": 32})
    assert short.generator is real_models.course.generator
    assert short.embedder is real_models.course.embedder
    assert short.settings.generation.max_answer_tokens == 32
    assert real_models.course.settings.generation.max_answer_tokens != 32
    assert short.retrieve("What is data drift?")[0].chunk_id == (
        real_models.course.retrieve("What is data drift?")[0].chunk_id
    )


def test_ingesting_into_a_copy_leaves_the_course_index_alone(
    real_models: RealModels, tmp_path: Path
) -> None:
    course_sources = [d.source for d in real_models.course.documents()]
    copy = real_models.assistant(data_dir=tmp_path / "data")
    assert [d.source for d in copy.documents()] == course_sources
    note = tmp_path / "uploads" / "note.md"
    note.parent.mkdir()
    note.write_text("# Sourdough\n\nA sourdough starter is flour and water left to ferment.\n")
    copy.ingest([note])
    assert "note.md" in {d.source for d in copy.documents()}
    assert [d.source for d in real_models.course.documents()] == course_sources


def test_other_documents_need_their_own_folder(real_models: RealModels, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="own data_dir"):
        real_models.assistant(kb_paths=[tmp_path])
