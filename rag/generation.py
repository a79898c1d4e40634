"""Text generation with llama.cpp: the GGUF's own chat template, token-level streaming.

Generation runs on token ids (`Llama.generate`), not on text, so the exact generated ids
are kept (the watermark detector needs them; re-tokenising the text need not reproduce
them) and the prompt length is known. A logits processor that was asked for but never
ran is an error, not a silent unmarked answer.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from rag.errors import GenerationError, ModelLoadError

LogitsProcessor = Callable[[npt.NDArray[np.intc], npt.NDArray[np.single]], npt.NDArray[np.single]]
Message = dict[str, str]
MarkSite = Literal["in process", "on server", "not possible"]
"""Where a backend applies the watermark: a logits processor in this process (llama.cpp),
the engine's own processor switched on per request (vLLM), or nowhere (a plain
OpenAI-compatible server)."""


_load_lock = threading.Lock()
_loaded: weakref.WeakSet[Any] = weakref.WeakSet()


@atexit.register
def _close_models() -> None:
    """Free models before interpreter teardown, when llama-cpp's own `__del__` would fail."""
    for llama in list(_loaded):
        llama.close()


def load_llama(
    model_path: Path,
    *,
    n_ctx: int = 2048,
    n_threads: int | None = None,
    n_threads_batch: int | None = None,
    seed: int = 0,
    vocab_only: bool = False,
    extra_buffers: bool = False,
) -> Any:
    """Load a GGUF with llama-cpp-python, turning failures into ModelLoadError.

    Threads: `n_threads` (generation) defaults to half the cores, `n_threads_batch`
    (prompt evaluation, a short burst of matrix work) to all of them.
    `extra_buffers=False` disables llama.cpp's extra weight buffer types (repacking, AMX).
    Some CPU builds crash in those kernels on batched prompt evaluation inside sandboxes;
    llama-cpp-python does not expose the switch, so it is set on the default parameters
    for the duration of this one constructor call.
    """
    if not model_path.is_file():
        raise ModelLoadError(
            f"Model file not found: {model_path}. Set COURSEBOT_LLM__PATH to a GGUF file, "
            "or unset it to use the bundled SmolLM2."
        )
    import llama_cpp
    import llama_cpp.llama as llama_module

    threads = n_threads or max(1, (os.cpu_count() or 2) // 2)
    batch_threads = n_threads_batch or os.cpu_count() or 1
    with _load_lock:
        original = llama_module.llama_cpp.llama_model_default_params

        def params_without_extra_buffers() -> Any:
            params = original()
            params.use_extra_bufts = False
            return params

        if not extra_buffers:
            llama_module.llama_cpp.llama_model_default_params = params_without_extra_buffers
        try:
            with _native_stderr_hidden() if vocab_only else contextlib.nullcontext():
                llama = llama_cpp.Llama(
                    model_path=str(model_path),
                    n_ctx=n_ctx,
                    n_threads=threads,
                    n_threads_batch=batch_threads,
                    seed=seed,
                    vocab_only=vocab_only,
                    verbose=False,
                )
            _loaded.add(llama)
            return llama
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelLoadError(
                f"Could not load {model_path} as a GGUF model ({exc}). Check the file is a "
                "complete GGUF, or unset COURSEBOT_LLM__PATH to use the bundled model."
            ) from exc
        finally:
            llama_module.llama_cpp.llama_model_default_params = original


@contextlib.contextmanager
def _native_stderr_hidden() -> Iterator[None]:
    """File descriptor 2 on /dev/null for the block. A vocabulary-only model (the
    watermark detector's tokenizer) has no training context, so llama.cpp's context
    constructor warns "n_ctx_seq (2048) > n_ctx_train (0)" on stderr past
    `verbose=False`, in every process that detects or tokenizes, the web app included;
    the load takes milliseconds, so little else can be hidden with it."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class GenerationResult(BaseModel):
    """What one generation produced. `token_ids` are the generated ids as the engine chose
    them (the watermark test needs exactly these); a server that does not return ids
    leaves them empty and reports `completion_tokens` alone."""

    text: str = ""
    token_ids: list[int] = Field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = ""
    processor_calls: int | None = None
    seconds: float = 0.0
    first_token_s: float | None = None


class GenerationStream:
    """Iterates over text pieces; `result` is complete once iteration ends."""

    def __init__(self, pieces: Callable[[GenerationResult], Iterator[str]]) -> None:
        self.result = GenerationResult()
        self._iterator = pieces(self.result)

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        return next(self._iterator)

    def close(self) -> None:
        close = getattr(self._iterator, "close", None)
        if close is not None:
            close()


class Generator(Protocol):
    """Streams an answer to chat messages, and says what the pipeline needs to know of it:
    its name (logged with each turn), its vocabulary size (the watermark's green lists are
    drawn over it), which token ids end an answer (`end_ids`: an in-process mark raises
    them with the green tokens, so it never keeps the model from stopping), how many
    tokens a text costs (the prompt budget), how many
    generations it runs at once (`concurrency`: the app serialises only a single slot) and
    where it applies the watermark (`mark_site`): `stream` takes a `logits_processor` when
    the site is "in process", and `server_mark=True` when it is "on server"."""

    @property
    def name(self) -> str: ...

    @property
    def concurrency(self) -> int: ...

    @property
    def mark_site(self) -> MarkSite: ...

    @property
    def n_vocab(self) -> int: ...

    @property
    def end_ids(self) -> frozenset[int]: ...

    def count_tokens(self, text: str) -> int: ...

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float,
        top_p: float,
        logits_processor: LogitsProcessor | None = None,
        server_mark: bool = False,
        seed: int | None = None,
    ) -> GenerationStream: ...


class LlamaCppGenerator:
    """A local GGUF model through llama-cpp-python; one generation at a time."""

    def __init__(
        self,
        model_path: Path,
        *,
        n_ctx: int = 2048,
        n_threads: int | None = None,
        n_threads_batch: int | None = None,
        seed: int = 0,
        extra_buffers: bool = False,
        name: str | None = None,
        top_k: int = 40,
        min_p: float = 0.05,
        repeat_penalty: float = 1.1,
    ) -> None:
        import llama_cpp
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self._llm = load_llama(
            model_path,
            n_ctx=n_ctx,
            n_threads=n_threads,
            n_threads_batch=n_threads_batch,
            seed=seed,
            extra_buffers=extra_buffers,
        )
        self._lock = threading.Lock()
        self._llama_cpp = llama_cpp
        self.model_path = model_path
        self.name = name or model_path.name
        self.n_ctx = n_ctx
        self.seed = seed
        self.top_k, self.min_p, self.repeat_penalty = top_k, min_p, repeat_penalty
        self.n_vocab = int(self._llm.n_vocab())
        template = self._llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelLoadError(f"{model_path.name} has no chat template in its GGUF metadata.")
        eos_id, bos_id = self._llm.token_eos(), self._llm.token_bos()
        self._formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=self._piece(eos_id),
            bos_token=self._piece(bos_id) if bos_id >= 0 else "",
        )
        self._stop_ids = {eos_id}
        for marker in ("<|im_end|>", "<end_of_turn>", "<|eot_id|>", "<|end|>"):
            ids = self._llm.tokenize(marker.encode(), add_bos=False, special=True)
            if len(ids) == 1:
                self._stop_ids.add(ids[0])

    @property
    def concurrency(self) -> int:
        """One generation at a time: llama.cpp has one context in process."""
        return 1

    @property
    def mark_site(self) -> MarkSite:
        return "in process"

    @property
    def end_ids(self) -> frozenset[int]:
        """The end-of-sequence and end-of-turn ids that stop a generation."""
        return frozenset(self._stop_ids)

    @property
    def llama(self) -> Any:
        """The underlying `llama_cpp.Llama`, for benchmarks that time llama.cpp alone."""
        return self._llm

    def _piece(self, token_id: int) -> str:
        return self._llm.detokenize([token_id], special=True).decode("utf-8", errors="replace")

    def render(self, messages: Sequence[Message]) -> str:
        """The prompt text the chat template makes of these messages."""
        return self._formatter(messages=list(messages)).prompt  # type: ignore[arg-type]

    def prompt_ids(self, messages: Sequence[Message]) -> list[int]:
        return list(self._llm.tokenize(self.render(messages).encode(), add_bos=False, special=True))

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    def tokenize(self, text: str) -> list[int]:
        return list(self._llm.tokenize(text.encode(), add_bos=False, special=False))

    def detokenize(self, ids: Sequence[int]) -> str:
        return self._llm.detokenize(list(ids)).decode("utf-8", errors="replace")

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float,
        top_p: float,
        logits_processor: LogitsProcessor | None = None,
        server_mark: bool = False,
        seed: int | None = None,
    ) -> GenerationStream:
        if server_mark:
            raise GenerationError(
                "llama.cpp marks in process: pass a logits processor, not server_mark."
            )
        prompt = self.prompt_ids(messages)
        if len(prompt) + max_tokens > self.n_ctx:
            raise GenerationError(
                f"Prompt of {len(prompt)} tokens plus {max_tokens} answer tokens exceeds the "
                f"model context of {self.n_ctx}."
            )

        def pieces(result: GenerationResult) -> Iterator[str]:
            processors: Any = None
            if logits_processor is not None:
                processors = self._llama_cpp.LogitsProcessorList([logits_processor])
            result.prompt_tokens = len(prompt)
            started = time.perf_counter()
            emitted = b""
            with self._lock:
                self._llm.set_seed(self.seed if seed is None else seed)
                tokens = self._llm.generate(
                    prompt,
                    temp=temperature,
                    top_p=top_p,
                    top_k=self.top_k,
                    min_p=self.min_p,
                    repeat_penalty=self.repeat_penalty,
                    logits_processor=processors,
                    reset=True,
                )
                result.finish_reason = "length"
                try:
                    for token in tokens:
                        if token in self._stop_ids:
                            result.finish_reason = "stop"
                            break
                        result.token_ids.append(int(token))
                        if result.first_token_s is None:
                            result.first_token_s = time.perf_counter() - started
                        data = self._llm.detokenize(result.token_ids)
                        try:
                            text = data.decode("utf-8")
                        except UnicodeDecodeError:
                            text = None
                        if text is not None and len(data) > len(emitted):
                            piece = data[len(emitted) :].decode("utf-8", errors="replace")
                            emitted = data
                            yield piece
                        if len(result.token_ids) >= max_tokens:
                            break
                finally:
                    tokens.close()
                    result.completion_tokens = len(result.token_ids)
                    result.seconds = time.perf_counter() - started
                    result.text = self._llm.detokenize(result.token_ids).decode(
                        "utf-8", errors="replace"
                    )
            if logits_processor is not None:
                calls = getattr(logits_processor, "calls", None)
                result.processor_calls = calls
                if result.token_ids and calls == 0:
                    raise GenerationError(
                        "The logits processor never ran: generation was not watermarked."
                    )

        return GenerationStream(pieces)
