"""Parts are picked by name from the settings."""

from pathlib import Path

import pytest

from rag.components import make_generator, make_llama_cpp_generator
from rag.errors import ConfigError
from rag.settings import load_settings


def test_the_generation_backend_is_read_from_the_settings(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    other = settings.llm.model_copy(update={"backend": "tgi"})
    with pytest.raises(ConfigError, match="Unknown generation backend 'tgi'"):
        make_generator(settings.model_copy(update={"llm": other}))


@pytest.mark.slow
def test_the_in_process_model_decodes_with_the_settings_top_k_min_p_and_penalty(
    tmp_path: Path,
) -> None:
    settings = load_settings(
        data_dir=tmp_path,
        llm={
            "requantize": "off",
            "decoding_top_k": 1,
            "decoding_min_p": 0.2,
            "decoding_repetition_penalty": 1.3,
        },
    )
    generator = make_llama_cpp_generator(settings)
    assert (generator.top_k, generator.min_p, generator.repeat_penalty) == (1, 0.2, 1.3)
    messages = [{"role": "user", "content": "Name one colour."}]
    runs = [
        "".join(generator.stream(messages, max_tokens=12, temperature=1.5, top_p=1.0, seed=s))
        for s in (1, 2, 3)
    ]
    assert len(set(runs)) == 1, "top_k = 1 must make sampling greedy whatever the seed"
