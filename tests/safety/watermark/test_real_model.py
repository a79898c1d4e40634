"""The real path: SmolLM2 generates through llama.cpp with the processor; text is detected.

Marked and plain answers come from the same prompt and seed; the plain one must not be
flagged, the marked one must, from token ids, from its text, and through the CLI.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from click.testing import CliRunner
from llama_cpp import LogitsProcessorList
from pydantic import SecretStr

from rag.generation import load_llama
from rag.paths import bundled_llm_path
from rag.settings import Settings
from rag.watermarking import detect_spans, detect_text, highlight
from safety.watermark import GreenListDetector, GreenListProcessor, WatermarkConfig
from ui.cli.watermark import command

pytestmark = pytest.mark.slow

TEMPERATURE = 0.7
LENGTH = 200
PROMPT = (
    "<|im_start|>system\nYou are a teaching assistant. Answer from the context.<|im_end|>\n"
    "<|im_start|>user\nContext: Data Drift. Gradual input distribution changes degrade "
    "performance. Example: A credit scoring model trained on 2015-2020 loan applications "
    "begins to underperform in 2025 because economic conditions, applicant demographics and "
    "income distributions have shifted.\n\nQuestion: What is data drift, and how would you "
    "monitor a deployed model for it?<|im_end|>\n<|im_start|>assistant\n"
)


Processor = Callable[[npt.NDArray[np.intc], npt.NDArray[np.single]], npt.NDArray[np.single]]


@dataclass
class Generated:
    ids: list[int]
    text: str
    calls: int


def _hold_off_end(stop_id: int, length: int) -> Processor:
    """Keep the answer going for `length` tokens so the test has enough to score."""
    steps = [0]

    def processor(
        input_ids: npt.NDArray[np.intc], scores: npt.NDArray[np.single]
    ) -> npt.NDArray[np.single]:
        steps[0] += 1
        if steps[0] <= length:
            scores = scores.copy()
            scores[stop_id] = -np.inf
        return scores

    return processor


@pytest.fixture(scope="module")
def answers() -> dict[str, Generated]:
    llm = load_llama(bundled_llm_path(), n_ctx=1024, n_threads=1, seed=0, extra_buffers=False)
    prompt = llm.tokenize(PROMPT.encode(), add_bos=False, special=True)
    out: dict[str, Generated] = {}
    for arm in ("marked", "plain"):
        proc = GreenListProcessor(WatermarkConfig(), int(llm.n_vocab()), TEMPERATURE)
        processors: list[Processor] = [_hold_off_end(llm.token_eos(), LENGTH)]
        if arm == "marked":
            processors.append(proc)
        llm.set_seed(7)
        ids: list[int] = []
        for token in llm.generate(
            prompt,
            temp=TEMPERATURE,
            top_p=0.9,
            top_k=40,
            min_p=0.05,
            repeat_penalty=1.1,
            logits_processor=LogitsProcessorList(processors),
        ):
            if token == llm.token_eos() or len(ids) >= LENGTH:
                break
            ids.append(int(token))
        text = llm.detokenize(ids).decode("utf-8", errors="replace")
        out[arm] = Generated(ids=ids, text=text, calls=proc.calls)
    return out


@pytest.fixture(scope="module")
def detector() -> GreenListDetector:
    return GreenListDetector(WatermarkConfig(), 49_152)


def test_processor_ran_once_per_generated_token(answers: dict[str, Generated]) -> None:
    assert len(answers["marked"].ids) == LENGTH
    # One call per sampled token; the loop may ask for one more token before stopping.
    assert LENGTH <= answers["marked"].calls <= LENGTH + 1
    assert answers["plain"].calls == 0


def test_marked_answer_is_detected_and_plain_is_not(
    answers: dict[str, Generated], detector: GreenListDetector
) -> None:
    marked = detector.detect(answers["marked"].ids)
    plain = detector.detect(answers["plain"].ids)
    assert marked.verdict == "watermarked" and marked.z >= 4.0, marked.z
    assert plain.verdict == "not watermarked" and plain.z < 4.0, plain.z
    assert answers["marked"].text != answers["plain"].text


def test_another_key_does_not_detect_the_marked_answer(answers: dict[str, Generated]) -> None:
    other = GreenListDetector(WatermarkConfig(key=SecretStr("someone-else")), 49_152)
    assert other.detect(answers["marked"].ids).verdict == "not watermarked"


def test_text_round_trip_through_detect_text(answers: dict[str, Generated]) -> None:
    settings = Settings()
    marked = detect_text(answers["marked"].text, settings)
    plain = detect_text(answers["plain"].text, settings)
    assert marked.verdict == "watermarked", marked.z
    assert plain.verdict == "not watermarked", plain.z
    assert detect_text("", settings).verdict == "too short to tell"


def test_highlight_covers_the_text(answers: dict[str, Generated]) -> None:
    pairs = highlight(answers["marked"].text, Settings())
    assert "".join(piece for piece, _ in pairs) == answers["marked"].text
    greens = sum(flag is True for _, flag in pairs)
    assert greens / sum(flag is not None for _, flag in pairs) > 0.3


def test_spans_find_the_generated_part_of_a_mixed_text(answers: dict[str, Generated]) -> None:
    course = Path(__file__).resolve().parents[3] / "kb" / "foundations-of-machine-learning.md"
    text = course.read_text(encoding="utf-8")
    before, after = text[2000:4000], text[9000:10500]
    answer = answers["marked"].text
    spans = detect_spans(f"{before}\n\n{answer}\n\n{after}", Settings())
    assert spans, "the marked answer inside human text was not found"
    for span_text, span in spans:
        middle = len(span_text) // 2
        assert span_text[middle - 20 : middle + 20] in answer
        assert span.z >= 4.0
    assert not detect_spans(f"{before}\n\n{after}", Settings())


def test_cli_detects_a_file_and_stdin(answers: dict[str, Generated], tmp_path: Path) -> None:
    runner = CliRunner()
    marked = tmp_path / "answer.txt"
    marked.write_text(answers["marked"].text, encoding="utf-8")
    result = runner.invoke(command, ["detect", str(marked)], obj={"config": None})
    assert result.exit_code == 0, result.output
    assert result.output.startswith("coursebot output:"), result.output
    assert "generated (watermarked, z" in result.output

    result = runner.invoke(
        command, ["detect", "-", "--json"], input=answers["plain"].text, obj={"config": None}
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["from_coursebot"] is False
    assert payload["generated"]["verdict"] == "not watermarked"
    assert payload["generated"]["scored_tokens"] > 16


def test_cli_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = runner.invoke(command, ["detect", str(empty)], obj={"config": None})
    assert result.exit_code == 0 and "too short to tell" in result.output
    binary = tmp_path / "binary.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    result = runner.invoke(command, ["detect", str(binary), "--json"], obj={"config": None})
    payload = json.loads(result.output)
    assert result.exit_code == 0 and payload["generated"]["verdict"] != "watermarked"
    assert payload["from_coursebot"] is not True
    result = runner.invoke(command, ["detect", str(tmp_path / "missing.txt")], obj={"config": None})
    assert result.exit_code == 2 and "missing.txt" in result.output
