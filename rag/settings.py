"""coursebot's settings: one pydantic-settings class, `COURSEBOT_` environment prefix.

Values come, in order of precedence, from keyword arguments, the environment
(`COURSEBOT_TOP_K=6`, nested with `__`: `COURSEBOT_WATERMARK__DELTA=3`), a TOML file
(`COURSEBOT_CONFIG=path.toml` or `config_file=`), then the defaults below. Unknown keys
are errors, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from rag.ab import ABConfig
from rag.errors import ConfigError
from rag.monitor_config import MonitorConfig
from rag.paths import default_data_dir, default_kb_dir
from safety.policy import SafetyPolicy
from safety.watermark.config import WatermarkConfig

_toml_file: Path | None = None


class Settings(BaseSettings):
    """All tunable behaviour of coursebot, with the embedded defaults."""

    model_config = SettingsConfigDict(
        env_prefix="COURSEBOT_", env_nested_delimiter="__", extra="forbid"
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    kb_paths: list[Path] = Field(default_factory=lambda: [default_kb_dir()])

    llm_path: Path | None = Field(None, description="A GGUF file; None = bundled SmolLM2.")
    embedding_path: Path | None = Field(
        None, description="A sentence-transformers folder; None = bundled MiniLM."
    )
    embedder: Literal["sentence-transformers", "hashing"] = "sentence-transformers"
    embedding_threads: int = Field(
        1,
        ge=1,
        description="torch threads for embeddings. 1 by default: on 2 cores shared with "
        "llama.cpp, one thread embedded a question in 13 ms and two in 414 ms.",
    )
    generator: Literal["llama-cpp"] = "llama-cpp"
    n_ctx: int = Field(2048, ge=512)
    n_threads: int | None = Field(
        None, ge=1, description="Generation threads; None = half the cores (llama.cpp default)."
    )
    n_threads_batch: int | None = Field(
        None,
        ge=1,
        description="Prompt-evaluation threads; None = all cores. Prompt evaluation is a "
        "short burst of matrix work that sets the time to first token.",
    )
    llm_requantize: Literal["off", "q8_0"] = Field(
        "q8_0",
        description="Load an 8-bit copy of a model whose format lacks llama.cpp's fast "
        "batched kernels (the bundled Q4_1 model), made once in data_dir/models; models "
        "over 1 GiB are left as they are. 'off' loads the file as it is.",
    )
    llm_extra_buffers: bool = Field(
        False,
        description="llama.cpp weight repacking/AMX buffers; off because they crash some CPUs.",
    )
    seed: int = 0
    max_answer_tokens: int = Field(160, ge=8)
    temperature: float = Field(0.3, ge=0.0, le=2.0)
    top_p: float = Field(0.9, gt=0.0, le=1.0)
    prompt_budget_tokens: int = Field(
        1600, ge=128, description="Tokens for system prompt + passages + question."
    )

    chunk_max_chars: int = Field(900, ge=200)
    chunk_overlap_chars: int = Field(120, ge=0)

    top_k: int = Field(4, ge=1, le=20)
    prompt_passages: int = Field(
        3,
        ge=1,
        description="The model reads at most this many of the top_k passages; the opening "
        "quote may come from any of them. Each passage is ~120 prompt tokens, and prompt "
        "evaluation sets the time to the first generated token.",
    )
    candidate_k: int = Field(20, ge=1)
    rrf_k: int = Field(60, ge=1)
    min_dense_score: float = Field(
        0.30, description="Abstain when the best passage's cosine similarity is below this."
    )
    min_passage_score: float = Field(
        0.20, description="Passages below this cosine are not shown to the model."
    )

    retrieval: Literal["hybrid", "dense", "keyword", "off"] = "hybrid"
    grounding: Literal["remove", "flag", "off"] = "remove"
    support_threshold: float = Field(0.55, ge=0.0, le=1.0)
    answer_mode: Literal["quote-and-generate", "generate"] = Field(
        "quote-and-generate",
        description="Lead with the course's best-matching sentences, then supported "
        "generated ones; or generated sentences only (quoting only when none is supported).",
    )
    max_generated_sentences: int = Field(2, ge=0, le=10)
    extractive_fallback: bool = True
    extractive_min_similarity: float = Field(0.45, ge=0.0, le=1.0)
    history_turns: int = Field(3, ge=0)

    max_question_chars: int = Field(4000, ge=10)
    max_file_bytes: int = Field(50_000_000, ge=1)

    safety: SafetyPolicy = Field(default_factory=SafetyPolicy)
    watermark: WatermarkConfig = Field(default_factory=WatermarkConfig)
    monitor: MonitorConfig = Field(default_factory=MonitorConfig)
    ab: ABConfig = Field(default_factory=ABConfig)

    host: str = "127.0.0.1"
    port: int = Field(7860, ge=0, le=65535)
    auth_username: str | None = None
    auth_password: SecretStr | None = None

    @field_validator("data_dir", "llm_path", "embedding_path", mode="after")
    @classmethod
    def _expand_home(cls, path: Path | None) -> Path | None:
        return path.expanduser() if path is not None else None

    @field_validator("kb_paths", mode="after")
    @classmethod
    def _expand_home_in_list(cls, paths: list[Path]) -> list[Path]:
        return [path.expanduser() for path in paths]

    @model_validator(mode="after")
    def _chunk_overlap_smaller_than_chunk(self) -> Settings:
        if self.chunk_overlap_chars >= self.chunk_max_chars:
            raise ValueError("chunk_overlap_chars must be smaller than chunk_max_chars")
        if self.min_passage_score > self.min_dense_score:
            raise ValueError("min_passage_score must not exceed min_dense_score")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if _toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=_toml_file))
        return tuple(sources)

    @property
    def chunking(self) -> dict[str, int]:
        """The chunking settings an index is built with (recorded in its manifest)."""
        return {"max_chars": self.chunk_max_chars, "overlap_chars": self.chunk_overlap_chars}

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "coursebot.sqlite3"

    def fingerprint(self) -> str:
        """A short hash of every setting except secrets: which configuration answered."""
        dumped = self.model_dump_json(exclude={"auth_password", "auth_username"})
        return hashlib.sha256(dumped.encode()).hexdigest()[:16]


def load_settings(config_file: Path | str | None = None, **overrides: Any) -> Settings:
    """Build Settings from overrides, environment and an optional TOML file.

    Raises:
        ConfigError: the file is missing or a value is invalid; the message names the key.
    """
    global _toml_file
    path = config_file or os.environ.get("COURSEBOT_CONFIG")
    if path is not None and not Path(path).is_file():
        raise ConfigError(f"Settings file not found: {path}")
    _toml_file = Path(path) if path else None
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"Invalid settings: {problems}") from exc
    finally:
        _toml_file = None
