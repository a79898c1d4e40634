from __future__ import annotations

import pytest

from eval.stress.bench import percentile, run
from rag.settings import Settings
from tests.ui.ui_fakes import FakeAssistant
from tests.ui.ui_launch import serve
from ui.holder import AssistantHolder


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 50) == 10.0 and percentile(values, 95) == 19.0
    assert percentile([3.0], 95) == 3.0


def test_concurrent_clients_all_get_answers(settings: Settings) -> None:
    holder = AssistantHolder(settings, FakeAssistant)
    app, url = serve(holder)
    try:
        report = run(url, clients=4, questions=2)
    finally:
        app.close()  # type: ignore[attr-defined]
    assert report.errors == 0 and report.requests == 8
    assert report.latency_p50_s <= report.latency_p95_s <= report.latency_max_s
    assert len(holder.get().turn_log.feedback()) == 0
    assert sum(1 for _ in holder.get().turn_log.turns()) == 9  # 8 + the warm-up


@pytest.mark.parametrize("bad", [0, 201])
def test_cli_rejects_out_of_range_clients(bad: int) -> None:
    from click.testing import CliRunner

    from eval.stress.bench import main

    result = CliRunner().invoke(main, ["--clients", str(bad)])
    assert result.exit_code == 2
