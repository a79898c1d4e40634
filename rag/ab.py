"""Online A/B experiments: sticky, deterministic assignment of sessions to configuration arms.

A session's arm is a keyed hash of its id, so the same session always lands in the same arm
without storing anything, and changing the salt reshuffles everyone for a new experiment.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rag.db import Migration, connect, migrate
from rag.turnlog import utc_now

logger = logging.getLogger("coursebot.ab")

DEFAULT_ARM = "default"


def _default_arms() -> dict[str, dict[str, Any]]:
    return {DEFAULT_ARM: {}}


class ABConfig(BaseModel):
    """Arms of an experiment (`Settings.ab`): each a set of Settings overrides and a traffic share.

    Example (TOML): `[ab] enabled = true` / `[ab.arms] control = {}` /
    `treatment = {top_k = 6}` / `[ab.traffic] control = 0.9` / `treatment = 0.1`.
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    arms: dict[str, dict[str, Any]] = Field(
        default_factory=lambda: _default_arms(),
        description="Arm name -> Settings field overrides. The first arm is the control.",
    )
    traffic: dict[str, float] = Field(
        default_factory=dict, description="Arm name -> share of sessions; empty = equal shares."
    )
    salt: str = Field(
        "coursebot-ab-1", min_length=1, description="Change to start a new experiment."
    )

    @model_validator(mode="after")
    def _traffic_matches_arms(self) -> ABConfig:
        if not self.arms:
            raise ValueError("ab.arms needs at least one arm")
        unknown = set(self.traffic) - set(self.arms)
        if unknown:
            raise ValueError(f"ab.traffic names arms that do not exist: {sorted(unknown)}")
        if any(share < 0 for share in self.traffic.values()):
            raise ValueError("ab.traffic shares must not be negative")
        if self.traffic and sum(self.traffic.values()) <= 0:
            raise ValueError("ab.traffic shares must add up to more than 0")
        return self

    @property
    def control(self) -> str:
        return next(iter(self.arms))

    def shares(self) -> list[tuple[str, float]]:
        """(arm, share) in a fixed order, shares normalised to sum to 1."""
        names = sorted(self.arms)
        raw = {n: self.traffic.get(n, 0.0) if self.traffic else 1.0 for n in names}
        total = sum(raw.values())
        return [(n, raw[n] / total) for n in names]


def bucket(session_id: str, salt: str) -> float:
    """A uniform number in [0, 1) from an HMAC-SHA256 of the session id keyed by the salt."""
    digest = hmac.new(salt.encode(), session_id.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_arm(session_id: str | None, config: ABConfig) -> str:
    """The arm of a session: sticky and deterministic; the control when there is no session.

    Returns "default" when the experiment is disabled.
    """
    if not config.enabled:
        return DEFAULT_ARM
    if not session_id:
        arm = config.control
    else:
        point = bucket(session_id, config.salt)
        cumulative = 0.0
        arm = config.control
        for name, share in config.shares():
            cumulative += share
            if share > 0 and point < cumulative:
                arm = name
                break
    logger.info("ab assignment session=%s arm=%s salt=%s", session_id, arm, config.salt)
    return arm


def arm_overrides(arm: str, config: ABConfig) -> dict[str, Any]:
    """The Settings overrides of an arm (none for the default arm or a disabled experiment)."""
    if not config.enabled:
        return {}
    return dict(config.arms.get(arm, {}))


MIGRATIONS: list[Migration] = [
    (
        "ab_m001_assignments",
        """
        CREATE TABLE ab_assignments (
            session_id TEXT NOT NULL,
            salt TEXT NOT NULL,
            arm TEXT NOT NULL,
            ts TEXT NOT NULL,
            PRIMARY KEY (session_id, salt)
        )
        """,
    )
]


class AssignmentLog:
    """Records each session's first assignment per experiment (salt) in SQLite."""

    def __init__(self, path: Path) -> None:
        self._conn = connect(path)
        migrate(self._conn, MIGRATIONS)

    def assign(self, session_id: str | None, config: ABConfig) -> str:
        """`assign_arm`, and remember the assignment the first time a session is seen."""
        arm = assign_arm(session_id, config)
        if config.enabled and session_id:
            self._conn.execute(
                "INSERT OR IGNORE INTO ab_assignments (session_id, salt, arm, ts) VALUES (?,?,?,?)",
                (session_id, config.salt, arm, utc_now()),
            )
        return arm

    def counts(self, salt: str) -> dict[str, int]:
        rows = self._conn.execute(
            "SELECT arm, COUNT(*) FROM ab_assignments WHERE salt = ? GROUP BY arm", (salt,)
        ).fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    def close(self) -> None:
        self._conn.close()
