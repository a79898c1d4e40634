"""A/B routing: which configured assistant answers a session, built once per arm.

An arm's settings are the base settings with the arm's overrides merged into their
groups. Arms share one index, so an arm may change how the assistant retrieves, prompts,
generates, grounds, guards and marks, but not what the index is built from.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from rag.ab import DEFAULT_ARM, AssignmentLog, arm_overrides
from rag.errors import ConfigError
from rag.settings import Settings, translate_flat_names

Target = TypeVar("Target")

SHARED_BY_ARMS = frozenset({"data_dir", "kb_paths", "index", "ab", "server", "monitor"})
"""Setting groups every arm shares: they decide the index, the experiment and the server."""


def arm_settings(base: Settings, arm: str) -> Settings:
    """The settings `arm` answers with (the experiment itself switched off in them).

    Raises:
        ConfigError: the arm changes something arms must share.
    """
    overrides = translate_flat_names(arm_overrides(arm, base.ab))
    shared = SHARED_BY_ARMS & set(overrides)
    if shared:
        raise ConfigError(
            f"A/B arm {arm!r} changes {sorted(shared)}; arms share one index, so only "
            "generation, retrieval, answer, safety and watermark settings may differ."
        )
    return base.with_overrides({**overrides, "ab": {"enabled": False}})


class ArmRouter(Generic[Target]):
    """Routes a session to its arm's target (sticky), building each arm's target once."""

    def __init__(
        self, settings: Settings, control: Target, build: Callable[[Settings], Target]
    ) -> None:
        self.settings = settings
        self.control = control
        self.build = build
        self._targets: dict[str, Target] = {}
        self._lock = threading.Lock()
        self._assignments: AssignmentLog | None = None

    def route(self, session_id: str | None) -> tuple[str, Target]:
        """The session's arm and what answers for it."""
        ab = self.settings.ab
        if not ab.enabled:
            return DEFAULT_ARM, self.control
        with self._lock:
            if self._assignments is None:
                self._assignments = AssignmentLog(self.settings.db_path)
            arm = self._assignments.assign(session_id, ab)
            if arm == ab.control:
                return arm, self.control
            if arm not in self._targets:
                self._targets[arm] = self.build(arm_settings(self.settings, arm))
            return arm, self._targets[arm]

    def built(self) -> list[Target]:
        """The arms' own targets built so far (not the control), for their owner to close."""
        with self._lock:
            return list(self._targets.values())

    def close(self) -> None:
        """Close the assignment log (the arms' own targets are closed by their owner)."""
        with self._lock:
            if self._assignments is not None:
                self._assignments.close()
                self._assignments = None
