"""How many generations each backend runs at once, known before anything loads."""

from pathlib import Path

from rag.components import generation_slots
from rag.settings import Settings, load_settings


def _with_llm(settings: Settings, **update: object) -> Settings:
    return settings.model_copy(update={"llm": settings.llm.model_copy(update=update)})


def test_llama_cpp_has_one_slot_whatever_the_setting(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert generation_slots(settings) == 1
    assert generation_slots(_with_llm(settings, concurrency=8)) == 1


def test_a_remote_backend_runs_its_configured_concurrency(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert generation_slots(_with_llm(settings, backend="vllm")) == 32
    assert generation_slots(_with_llm(settings, backend="openai", concurrency=5)) == 5
