from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError

from rag.ab import ABConfig, AssignmentLog, arm_overrides, assign_arm


def _config(**kw: object) -> ABConfig:
    base: dict[str, object] = {
        "enabled": True,
        "arms": {"control": {}, "treatment": {"top_k": 6}},
        "traffic": {"control": 0.9, "treatment": 0.1},
    }
    return ABConfig.model_validate(base | kw)


def test_disabled_experiment_assigns_default() -> None:
    assert assign_arm("abc", ABConfig()) == "default"
    assert arm_overrides("treatment", _config(enabled=False)) == {}


def test_assignment_is_sticky_and_deterministic() -> None:
    config = _config()
    first = [assign_arm(f"session-{i}", config) for i in range(200)]
    again = [assign_arm(f"session-{i}", ABConfig.model_validate(config.model_dump()))
             for i in range(200)]  # fmt: skip
    assert first == again
    assert arm_overrides("treatment", config) == {"top_k": 6}


def test_traffic_shares_are_respected_and_salt_reshuffles() -> None:
    config = _config()
    counts = Counter(assign_arm(f"s{i}", config) for i in range(10_000))
    assert 0.08 < counts["treatment"] / 10_000 < 0.12
    equal = _config(traffic={})
    counts = Counter(assign_arm(f"s{i}", equal) for i in range(10_000))
    assert 0.47 < counts["treatment"] / 10_000 < 0.53
    other = _config(salt="experiment-2")
    moved = sum(assign_arm(f"s{i}", equal) != assign_arm(f"s{i}", _config(traffic={},
                salt="experiment-2")) for i in range(1000))  # fmt: skip
    assert 300 < moved < 700
    assert other.control == "control"
    assert assign_arm(None, config) == "control"


def test_invalid_configs_are_rejected() -> None:
    with pytest.raises(ValidationError, match="do not exist"):
        _config(traffic={"nope": 1.0})
    with pytest.raises(ValidationError, match="negative"):
        _config(traffic={"control": -1.0})
    with pytest.raises(ValidationError):
        _config(colour="red")


def test_assignment_log_records_first_assignment(tmp_path: Path) -> None:
    log = AssignmentLog(tmp_path / "ab.sqlite3")
    config = _config(traffic={})
    arms = [log.assign(f"s{i % 10}", config) for i in range(30)]
    assert arms[:10] == arms[10:20] == arms[20:]
    assert sum(log.counts(config.salt).values()) == 10
    log.close()
