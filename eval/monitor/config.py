"""Thresholds of the monitor: when a report says "enough data" and when it raises an alert.

The `[monitor]` table of the settings belongs to the monitoring reports, which validate it
here (`monitor_config`); the answering library carries it without reading it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rag.errors import ConfigError
from rag.setting_groups import AnswerSettings, RetrievalSettings
from rag.settings import Settings


def _answering_default(group: type[BaseModel], name: str) -> float:
    return float(group.model_fields[name].default)


class MonitorConfig(BaseModel):
    """Alert thresholds and sample sizes for monitoring reports (`[monitor]`)."""

    model_config = ConfigDict(extra="forbid")

    window: str = Field("1d", description="Default window of 'recent' traffic, e.g. 1h, 1d, 7d.")
    reference_window: str = Field(
        "30d", description="How far before the recent window the drift reference reaches."
    )
    min_turns: int = Field(20, ge=2, description="Fewest turns per sample for a drift test.")
    max_sample: int = Field(500, ge=10, description="Most recent turns used per drift sample.")
    alpha: float = Field(
        0.01, gt=0.0, lt=1.0, description="False-alarm rate of each drift test (p-value cut)."
    )
    permutations: int = Field(200, ge=20, description="Permutations of the MMD drift test.")
    seed: int = 0
    out_of_scope_score: float = Field(
        default_factory=lambda: _answering_default(RetrievalSettings, "min_dense_score"),
        description="A turn whose best retrieval cosine is below this is out of scope. "
        "Unless set, the abstention threshold `retrieval.min_dense_score`.",
    )
    max_out_of_scope_share: float = Field(
        0.5, ge=0.0, le=1.0, description="Alert when this share of recent turns is out of scope."
    )
    max_abstention_rate: float = Field(0.5, ge=0.0, le=1.0)
    max_p95_latency_s: float = Field(30.0, gt=0.0)
    review_support_min: float = Field(
        default_factory=lambda: _answering_default(AnswerSettings, "support_threshold"),
        ge=0.0,
        le=1.0,
        description="Answered turns with a sentence support below this. Unless set, the "
        "grounding threshold `answer.support_threshold`.",
    )
    review_top_score: float = Field(
        0.40, description="Answered turns whose best retrieval cosine is below this."
    )
    ab_min_turns: int = Field(30, ge=1, description="Fewest turns per arm before an A/B verdict.")
    ab_min_feedback: int = Field(20, ge=1, description="Fewest rated turns per arm for rates.")
    ab_alpha: float = Field(0.05, gt=0.0, lt=1.0)


def monitor_config(settings: Settings) -> MonitorConfig:
    """The `[monitor]` table of `settings`, validated; the out-of-scope and review
    thresholds follow the answering settings unless the table sets them.

    Raises:
        ConfigError: an unknown key or a bad value; the message names it.
    """
    given = dict(settings.monitor)
    given.setdefault("out_of_scope_score", settings.retrieval.min_dense_score)
    given.setdefault("review_support_min", settings.answer.support_threshold)
    try:
        return MonitorConfig.model_validate(given)
    except ValidationError as exc:
        problems = "; ".join(
            f"monitor.{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"Invalid settings: {problems}") from None
