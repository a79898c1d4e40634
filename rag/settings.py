"""coursebot's settings: one pydantic-settings class of groups, `COURSEBOT_` environment prefix.

Values come, in order of precedence, from keyword arguments, the environment
(`COURSEBOT_RETRIEVAL__TOP_K=6`: group and key joined by `__`), a TOML file
(`COURSEBOT_CONFIG=path.toml` or `config_file=`; `[retrieval]` `top_k = 6`), then the
defaults of `rag/setting_groups.py`. Unknown keys are errors, in the file and in the
environment, so a typo never silently falls back to a default. The flat names of earlier
releases (`top_k`, `COURSEBOT_TOP_K`) still work for this release and log one line naming
the new key.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from rag.ab import ABConfig
from rag.errors import ConfigError
from rag.paths import default_data_dir, default_kb_dir
from rag.provenance.config import ProvenanceConfig
from rag.setting_groups import (
    AnswerSettings,
    GenerationSettings,
    IndexSettings,
    LlmSettings,
    RetrievalSettings,
)
from safety.policy import SafetyPolicy
from safety.watermark.config import WatermarkConfig

log = logging.getLogger("coursebot.settings")

ENV_PREFIX = "COURSEBOT_"

RENAMED: dict[str, tuple[str, str]] = {
    "llm_path": ("llm", "path"),
    "generator": ("llm", "backend"),
    "n_ctx": ("llm", "n_ctx"),
    "n_threads": ("llm", "n_threads"),
    "n_threads_batch": ("llm", "n_threads_batch"),
    "llm_requantize": ("llm", "requantize"),
    "llm_extra_buffers": ("llm", "extra_buffers"),
    "seed": ("llm", "seed"),
    "max_answer_tokens": ("generation", "max_answer_tokens"),
    "temperature": ("generation", "temperature"),
    "top_p": ("generation", "top_p"),
    "embedder": ("index", "embedder"),
    "embedding_path": ("index", "embedding_path"),
    "embedding_threads": ("index", "embedding_threads"),
    "chunk_max_chars": ("index", "chunk_max_chars"),
    "chunk_overlap_chars": ("index", "chunk_overlap_chars"),
    "max_file_bytes": ("index", "max_file_bytes"),
    "top_k": ("retrieval", "top_k"),
    "candidate_k": ("retrieval", "candidate_k"),
    "rrf_k": ("retrieval", "rrf_k"),
    "min_dense_score": ("retrieval", "min_dense_score"),
    "min_passage_score": ("retrieval", "min_passage_score"),
    "answer_mode": ("answer", "mode"),
    "support_threshold": ("answer", "support_threshold"),
    "prompt_passages": ("answer", "prompt_passages"),
    "prompt_budget_tokens": ("answer", "prompt_budget_tokens"),
    "max_generated_sentences": ("answer", "max_generated_sentences"),
    "extractive_fallback": ("answer", "extractive_fallback"),
    "extractive_min_similarity": ("answer", "extractive_min_similarity"),
    "history_turns": ("answer", "history_turns"),
    "max_question_chars": ("answer", "max_question_chars"),
    "host": ("server", "host"),
    "port": ("server", "port"),
    "auth_username": ("server", "auth_username"),
    "auth_password": ("server", "auth_password"),
}
"""Flat names of the previous release -> (group, key). `retrieval` and `grounding` were
flat strings too; as strings they mean `retrieval.mode` and `answer.grounding`."""

_OLD_STRING_GROUPS = {"retrieval": ("retrieval", "mode"), "grounding": ("answer", "grounding")}


class Settings(BaseSettings):
    """All tunable behaviour of coursebot, grouped by concern, with the embedded defaults."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid"
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    kb_paths: list[Path] = Field(default_factory=lambda: [default_kb_dir()])

    llm: LlmSettings = Field(default_factory=LlmSettings)
    generation: GenerationSettings = Field(default_factory=GenerationSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    safety: SafetyPolicy = Field(default_factory=SafetyPolicy)
    watermark: WatermarkConfig = Field(default_factory=WatermarkConfig)
    monitor: dict[str, Any] = Field(
        default_factory=dict,
        description="The monitoring reports' thresholds, validated by their owner "
        "(`eval/monitor/config.py`).",
    )
    provenance: ProvenanceConfig = Field(default_factory=ProvenanceConfig)
    ab: ABConfig = Field(default_factory=ABConfig)
    server: dict[str, Any] = Field(
        default_factory=dict,
        description="The web server's settings (host, port, login), validated by the web app "
        "that owns them (`ui/server_settings.py`).",
    )

    @model_validator(mode="before")
    @classmethod
    def _accept_flat_names(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return translate_flat_names(dict(data))
        return data

    @field_validator("data_dir", mode="after")
    @classmethod
    def _expand_home(cls, path: Path) -> Path:
        return path.expanduser()

    @field_validator("kb_paths", mode="after")
    @classmethod
    def _expand_home_in_list(cls, paths: list[Path]) -> list[Path]:
        return [path.expanduser() for path in paths]

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def reports_dir(self) -> Path:
        """Where each ingestion writes its data-quality report (`latest.*` the newest)."""
        return self.data_dir / "reports"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "coursebot.sqlite3"

    def fingerprint(self) -> str:
        """A short hash of every setting that shapes answers: which configuration answered.

        The server's settings (where it listens, who may log in) and the monitor's report
        thresholds do not change an answer, and secrets never enter the hash.
        """
        dumped = self.model_dump_json(exclude={"server", "monitor"})
        return hashlib.sha256(dumped.encode()).hexdigest()[:16]

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """These settings with `overrides` (nested dicts merge into their groups) applied."""
        merged = deep_merge(self.model_dump(), translate_flat_names(dict(overrides)))
        return load_settings(**merged)


def translate_flat_names(data: dict[str, Any], *, source: str = "setting") -> dict[str, Any]:
    """Move the previous release's flat keys into their groups, one log line for each."""
    for old in [k for k in data if k in RENAMED or k in _OLD_STRING_GROUPS]:
        if old in _OLD_STRING_GROUPS and not isinstance(data[old], str):
            continue
        group, key = RENAMED.get(old) or _OLD_STRING_GROUPS[old]
        value = data.pop(old)
        log.warning(
            "%s %r is deprecated and will stop working in the next release: use %s.%s "
            "(TOML [%s] %s, environment %s%s__%s).",
            source,
            old,
            group,
            key,
            group,
            key,
            ENV_PREFIX,
            group.upper(),
            key.upper(),
        )
        target = data.get(group)
        if isinstance(target, BaseModel):
            target = target.model_dump()
        data[group] = {**(target or {}), key: value}
    return data


def deep_merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `update` applied; nested mappings merge instead of replacing."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def valid_environment_names() -> list[str]:
    """Every `COURSEBOT_*` name a setting can be given by (groups one level deep)."""
    names = ["CONFIG"]
    for name, field in Settings.model_fields.items():
        names.append(name.upper())
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names.extend(f"{name}__{sub}".upper() for sub in annotation.model_fields)
    return [ENV_PREFIX + n for n in names]


def _environment_problems(environ: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """(flat names of the last release found in the environment, unknown names)."""
    valid = set(valid_environment_names())
    open_groups = {
        f"{ENV_PREFIX}{name}__".upper() for name in ("ab", "server", "monitor", "answer__tuning")
    }
    flat: dict[str, Any] = {}
    unknown = []
    for name, value in environ.items():
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in valid:
            continue
        if any(upper.startswith(prefix) for prefix in open_groups):
            continue
        key = upper[len(ENV_PREFIX) :].lower()
        if key in RENAMED or key in _OLD_STRING_GROUPS:
            flat[key] = value
        else:
            unknown.append(name)
    return flat, unknown


def closest_environment_name(name: str) -> str | None:
    """The valid `COURSEBOT_*` name most like `name`, judged on the whole name and on its
    last part (so `COURSEBOT_TOPK` finds `COURSEBOT_RETRIEVAL__TOP_K`)."""
    wanted = name.upper().removeprefix(ENV_PREFIX)
    best, best_score = None, 0.0
    for valid in valid_environment_names():
        key = valid.removeprefix(ENV_PREFIX)
        score = max(
            difflib.SequenceMatcher(None, wanted, key).ratio(),
            difflib.SequenceMatcher(None, wanted.split("__")[-1], key.split("__")[-1]).ratio(),
        )
        if score > best_score:
            best, best_score = valid, score
    return best if best_score >= 0.6 else None


def _unknown_environment_message(name: str) -> str:
    close = closest_environment_name(name)
    hint = f" Did you mean {close}?" if close else ""
    return f"Unknown setting {name} in the environment.{hint} Unset it or fix its name."


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML file's table; a syntax error is a ConfigError naming file, line and column."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Settings file {path} is not valid TOML: {exc}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Settings file {path} could not be read: {exc}.") from None


class _Given(PydanticBaseSettingsSource):
    """A settings source holding an already-read table (the TOML file)."""

    def __init__(self, settings_cls: type[BaseSettings], data: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self._data = data

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return self._data


def load_settings(config_file: Path | str | None = None, **overrides: Any) -> Settings:
    """Build Settings from overrides, environment and an optional TOML file.

    Raises:
        ConfigError: the file is missing or not TOML, a name is unknown, or a value is
            invalid; the message names the key (and the closest valid one for a typo).
    """
    path = config_file or os.environ.get(f"{ENV_PREFIX}CONFIG")
    if path is not None and not Path(path).is_file():
        raise ConfigError(f"Settings file not found: {path}")
    file_data = translate_flat_names(read_toml(Path(path)), source=f"{path}: key") if path else {}
    flat_env, unknown = _environment_problems(os.environ)
    if unknown:
        raise ConfigError(_unknown_environment_message(sorted(unknown)[0]))
    env_data = translate_flat_names(flat_env, source="environment variable")
    init = deep_merge(env_data, overrides) if env_data else overrides

    class _Loaded(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings, env_settings, _Given(settings_cls, file_data))

    try:
        loaded = _Loaded(**init)
    except SettingsError as exc:
        raise ConfigError(f"Invalid settings: {exc}.") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"Invalid settings: {problems}") from None
    return Settings.model_construct(
        _fields_set=loaded.model_fields_set,
        **{name: getattr(loaded, name) for name in Settings.model_fields},
    )
