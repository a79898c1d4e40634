"""Parts are picked by name from the settings."""

from pathlib import Path

import pytest

from rag.components import make_generator
from rag.errors import ConfigError
from rag.settings import load_settings


def test_the_generation_backend_is_read_from_the_settings(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    other = settings.llm.model_copy(update={"backend": "tgi"})
    with pytest.raises(ConfigError, match="Unknown generation backend 'tgi'"):
        make_generator(settings.model_copy(update={"llm": other}))
