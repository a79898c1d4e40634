"""The groups of `Settings`, one pydantic model per concern.

Each group is a section of the TOML file (`[retrieval]`, `[answer]`, ...) and a prefix of
the environment (`COURSEBOT_RETRIEVAL__TOP_K=6`). Every number the pipeline was tuned on
lives here, with what it does and how it was chosen, so nothing tuned hides in a module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

REMOTE_CONCURRENCY = 32
"""Default generations at once on a remote engine (64 requests at 32: p95 5.3 s, issue #14)."""


class Group(BaseModel):
    """A settings group: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


class LlmSettings(Group):
    """The generating model and how it is loaded (`[llm]`)."""

    backend: Literal["llama-cpp", "vllm", "openai"] = Field(
        "llama-cpp",
        description="The generation backend, picked by name: 'llama-cpp' in process (the "
        "default), 'vllm' a vLLM server with coursebot's watermark processor, 'openai' any "
        "OpenAI-compatible server (the watermark cannot be applied there).",
    )
    concurrency: int | None = Field(
        None,
        ge=1,
        description="Generations a remote backend runs at once; None = 32. llama-cpp has "
        "one slot in process whatever this says.",
    )
    path: Path | None = Field(None, description="A GGUF file; None = bundled SmolLM2.")
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
    requantize: Literal["off", "q8_0"] = Field(
        "q8_0",
        description="Load an 8-bit copy of a model whose format lacks llama.cpp's fast "
        "batched kernels (the bundled Q4_1 model), made once in data_dir/models; models "
        "over 1 GiB are left as they are. 'off' loads the file as it is.",
    )
    extra_buffers: bool = Field(
        False,
        description="llama.cpp weight repacking/AMX buffers; off because they crash some CPUs.",
    )
    seed: int = 0
    endpoints: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:8000"],
        min_length=1,
        description="Remote backends: base URLs of the servers (with or without /v1), or "
        "one router URL. Each vLLM endpoint must pass the watermark probe; requests go to a "
        "healthy one.",
    )
    model: str | None = Field(
        None, description="Remote backends: the served model name; None = the server's first."
    )
    api_key: SecretStr | None = Field(None, description="Remote backends: a bearer token.")
    connect_timeout_s: float = Field(5.0, gt=0.0)
    read_timeout_s: float = Field(
        120.0,
        gt=0.0,
        description="Remote backends: the longest wait for the next streamed piece (it "
        "includes the server's own queue before the first token).",
    )
    answer_timeout_s: float = Field(
        300.0,
        gt=0.0,
        description="Remote backends: the longest one generation may stream; a longer one is "
        "stopped (the request ends at the engine) with an error.",
    )
    vllm_request_seed: bool = Field(
        False,
        description="vLLM: send `seed` with each request. Off by default: the CPU build "
        "(0.32) kills its engine when a seeded request's prompt is split across steps "
        "('CPU Generator does not use offset'), which 32 concurrent answers caused here.",
    )
    decoding_top_k: int = Field(
        40, ge=0, description="Sample among the k likeliest tokens (0 = all), on every backend."
    )
    decoding_min_p: float = Field(
        0.05,
        ge=0.0,
        le=1.0,
        description="Drop tokens under this share of the likeliest one's probability.",
    )
    decoding_repetition_penalty: float = Field(
        1.1,
        gt=0.0,
        description="Penalty on tokens already in the text (small models repeat "
        "themselves without it). llama.cpp in process and vLLM read the same three.",
    )
    retries: int = Field(
        1,
        ge=0,
        description="Remote backends: other endpoints tried when one fails before any text "
        "of the answer was streamed.",
    )
    retry_after_s: float = Field(
        10.0, gt=0.0, description="Remote backends: how long a failed endpoint is left out."
    )
    tokenizer: Literal["gguf", "server"] = Field(
        "gguf",
        description="Remote backends: count prompt tokens with the GGUF at `path` (bundled "
        "SmolLM2 by default; it must be the served model's vocabulary) or with the server's "
        "/tokenize endpoint (vLLM, llama-server).",
    )
    vocab_size: int | None = Field(
        None,
        ge=2,
        description="Remote backends: the served model's vocabulary size, for the watermark "
        "test; None = the GGUF's at `path`. Needed with tokenizer='server'.",
    )

    @field_validator("path", mode="after")
    @classmethod
    def _expand_home(cls, path: Path | None) -> Path | None:
        return path.expanduser() if path is not None else None

    @property
    def slots(self) -> int:
        """Generations the configured backend runs at once (`concurrency` or its default)."""
        if self.backend == "llama-cpp":
            return 1
        return REMOTE_CONCURRENCY if self.concurrency is None else self.concurrency


class GenerationSettings(Group):
    """How the model decodes an answer (`[generation]`); the loaded model stays the same."""

    max_answer_tokens: int = Field(160, ge=8)
    temperature: float = Field(
        0.7,
        ge=0.0,
        le=2.0,
        description="0.7, not 0.3: at 0.3 the small model is so sure of its next token that "
        "the watermark reached z >= 4 on only 43% of 200-token generations (100% at 0.7), "
        "and on the course dev split 0.7 changed no answer metric clearly "
        "(docs/watermark.md, 'At the app's own temperature').",
    )
    top_p: float = Field(0.9, gt=0.0, le=1.0)


class IndexSettings(Group):
    """What the index is built with (`[index]`); changing these needs a rebuild."""

    embedder: Literal["sentence-transformers", "onnx", "onnx-int8", "hashing"] = Field(
        "onnx",
        description="What embeds questions, passages, grounding sentences and the guards' "
        "inputs (one shared copy of the model): 'onnx' (default) the model exported once, "
        "offline, to ONNX Runtime at float precision, without torch at run time; "
        "'sentence-transformers' the same model on torch (same vectors, cosine > 0.9999: "
        "an index built by either opens with the other, checked on a few of its passages); "
        "'onnx-int8' that export with int8 weights, the fastest, other vectors; 'hashing' "
        "word hashing, for tests. The index records it: changing to or from int8, hashing "
        "or another model rebuilds.",
    )
    embedding_path: Path | None = Field(
        None, description="A sentence-transformers folder; None = bundled MiniLM."
    )
    onnx_cache_dir: Path | None = Field(
        None,
        description="Where the ONNX exports of the embedding model are kept (made once "
        "per model, offline); None = $XDG_CACHE_HOME/coursebot/onnx.",
    )
    embedding_threads: int = Field(
        1,
        ge=1,
        description="Embedding threads (ONNX Runtime's or torch's) while answering. 1 by "
        "default: on 2 cores shared with "
        "llama.cpp, one thread embedded a question in 13 ms and two in 414 ms.",
    )
    passage_quantization: Literal["off", "int8"] = Field(
        "off",
        description="int8: passages are embedded by an int8 copy of the model (the ONNX "
        "int8 export, or torch dynamic quantisation of its linear layers with "
        "'sentence-transformers'), about twice as fast to ingest; questions, "
        "guards and grounding keep the float model. Recorded in the index as its "
        "embedding model, so changing it rebuilds.",
    )
    ingest_grounding: Literal["pooled", "alone", "off"] = Field(
        "off",
        description="The grounding vectors an ingestion writes beside the index: 'off' "
        "(default) leaves them to the background primer, so a new index answers at once and "
        "its first answers embed their own passage sentences (KB2: answerable after 16 s, "
        "against 60 s with 'alone'); 'alone' embeds every passage sentence alone, as "
        "answering would, before the ingestion returns; 'pooled' pools them from the "
        "passage's own forward pass (ONNX embedders only; vectors of the sentence in "
        "context, worse on course dev) (rag/grounding_vectors.py).",
    )
    chunk_max_chars: int = Field(900, ge=200)
    chunk_overlap_chars: int = Field(120, ge=0)
    max_file_bytes: int = Field(50_000_000, ge=1, description="Larger files are skipped.")
    keep_versions: int = Field(
        3, ge=1, description="Complete index versions kept on disk, for recovery and rollback."
    )

    @field_validator("embedding_path", "onnx_cache_dir", mode="after")
    @classmethod
    def _expand_home(cls, path: Path | None) -> Path | None:
        return path.expanduser() if path is not None else None

    @model_validator(mode="after")
    def _overlap_smaller_than_chunk(self) -> IndexSettings:
        if self.chunk_overlap_chars >= self.chunk_max_chars:
            raise ValueError("chunk_overlap_chars must be smaller than chunk_max_chars")
        return self

    @property
    def chunking(self) -> dict[str, int]:
        """The chunking settings an index is built with (recorded in its manifest)."""
        return {"max_chars": self.chunk_max_chars, "overlap_chars": self.chunk_overlap_chars}


class RetrievalSettings(Group):
    """Finding passages and deciding whether any is relevant (`[retrieval]`)."""

    mode: Literal["hybrid", "dense", "keyword", "off"] = "hybrid"
    top_k: int = Field(4, ge=1, le=20)
    candidate_k: int = Field(20, ge=1, description="Candidates per retriever before fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    min_dense_score: float = Field(
        0.30,
        description="Abstain when the best passage's cosine similarity is below this; the "
        "monitor counts such turns as out of scope.",
    )
    min_passage_score: float = Field(
        0.20, description="Passages below this cosine are not shown to the model."
    )

    @model_validator(mode="after")
    def _passage_floor_below_abstention(self) -> RetrievalSettings:
        if self.min_passage_score > self.min_dense_score:
            raise ValueError("min_passage_score must not exceed min_dense_score")
        return self


class GroundingTuning(Group):
    """The grounding check's and the quote's inner numbers (`[answer.tuning]`).

    Chosen on the project's question set; change them only with `coursebot eval compare`.
    """

    lexical_weight: float = Field(
        0.6, ge=0.0, le=1.0, description="Share of support from content-term overlap."
    )
    max_novel_terms: int | None = Field(
        1,
        ge=0,
        description="A generated sentence with more content terms than this that the "
        "passage never uses is not supported by it, however close it reads: the model's "
        "own additions ('... determined by a nested query') bring words the documents do "
        "not use. None: no such limit. Chosen on the dev splits, 2026-12-04: of the "
        "generated sentences the verifier judged unsupported in final answers, every one "
        "had two or more such terms, of those it judged supported none did; at 1, the "
        "hallucination rate fell from 0.346 to 0.080 (KB2), 0.375 to 0.042 (KB3) and 0.028 "
        "to 0 (course); key facts 18/21 and 32/36 unchanged, KB2 17/22 -> 16/22 (one quote "
        "left alone was then withheld by the output guard's injection class, which no "
        "longer acts on answers: 17/22 again).",
    )
    semantic_floor: float = Field(
        0.25, ge=0.0, lt=1.0, description="Embedding similarity that counts as no support."
    )
    min_claim_terms: int = Field(
        3, ge=1, description="Fewer content terms: not a claim worth checking."
    )
    quote_similarity_weight: float = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description="A quote candidate's score: this share of embedding similarity to the "
        "question, the rest from term overlap.",
    )
    quote_overlap: Literal["share", "distinctive"] = Field(
        "distinctive",
        description="How a quote candidate's term overlap counts: 'share', every question "
        "term alike; 'distinctive', half alike and half by how few candidate sentences hold "
        "it (rag.overlap). Chosen on the dev splits, 2026-12-04, beside max_novel_terms 1: "
        "answers with every key fact KB2 one more (py-a46, 'Are Python's sorts stable?'), "
        "KB3 18 of 21 and course 32 of 36 unchanged, no decline changed; weights without "
        "the flat half lost two course answers to the quote's minimum similarity. The "
        "evidence check (rag.evidence) keeps the plain share it was tuned with.",
    )
    quote_margin: float = Field(
        0.1, ge=0.0, description="Quote the best passage's sentences within this of its best."
    )
    quote_max_sentences: int = Field(3, ge=1, description="Sentences chosen before widening.")
    max_quote_chars: int = Field(900, ge=100, description="A widened quote stays within this.")
    example_leads: list[str] = Field(
        default_factory=lambda: ["example"],
        description="A paragraph that starts with one of these words, right after a quoted "
        "one, works out its point ('Example: 8 of 100 emails are wrong...') and is quoted "
        "with it; set it to a knowledge base's own convention ('for instance', 'worked "
        "example'), or [] for none.",
    )
    top_passage_bonus: float = Field(
        0.06,
        ge=0.0,
        description="How much a sentence in the first-ranked passage is preferred when "
        "choosing which passage to quote: retrieval ranks whole passages with keywords and "
        "embeddings together, which a single sentence's score does not see. Chosen on half "
        "of the question set (even rows): 0.04-0.08 scored the same there; the middle was "
        "taken, then checked on the other half.",
    )
    named_bonus: float = Field(
        0.3,
        ge=0.0,
        description="Added to a quote candidate that (with the line before it) names every "
        "function, model or acronym the question names. Chosen on the dev splits: quotes "
        "holding every key fact, KB2 13/22 at 0, 0.1 and 0.2, 14/22 at 0.3 and 0.5; course "
        "30/36 throughout; the smallest value that helped was taken.",
    )
    form_bonus: float = Field(
        0.15,
        ge=0.0,
        description="Added to a quote candidate that has the form of the kind of answer "
        "asked for (rag.sentence_form.gives_form: 'because' for why, 'by/using' for how). "
        "Chosen on the dev splits, quotes alone on each run's passages: quotes holding every "
        "key fact, course 30/36 at 0 and 0.05, 32/36 at 0.1-0.2; KB2 14/22 and the parts "
        "set 5/9 throughout; no evidence decision changed; the middle was taken.",
    )
    skip_signatures: bool = Field(
        True,
        description="A line that is only a call signature is never quoted; the sentence "
        "after it (which the signature's name counts for, see named_bonus) is.",
    )
    redundant_overlap: float = Field(
        0.75,
        ge=0.0,
        le=1.0,
        description="A generated sentence sharing this share of its terms with the quote "
        "repeats it and is left out.",
    )
    example_overlap: float = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description="A question whose terms a quoted span of a passage covers this much is "
        "only mentioned as an example there.",
    )
    evidence_check: bool = Field(
        True,
        description="Decline when the passages are on the topic but do not hold what was "
        "asked (rag.evidence): a name the documents never mention, or no best sentence "
        "giving the kind of answer asked for (a number, a date, a name, a recommendation).",
    )
    evidence_vocabulary: bool = Field(
        False,
        description="Also decline when a term of the question is used by no indexed "
        "document. Off: on the dev splits it declined one more unanswerable question "
        "('kurtosis') and no answerable one, but it cannot tell a rare subject from a "
        "paraphrase ('affect' asked, 'degrade' written), which new users write often.",
    )
    evidence_rare_terms: bool = Field(
        True,
        description="Decline when a rare word of the question (one the embedding model's "
        "WordPiece vocabulary splits, `rag.common_words`: 'kurtosis', 'Timsort') is used by "
        "no indexed document; everyday words, which may paraphrase the documents, are left "
        "to the other checks. The narrow form of evidence_vocabulary (which wins when on).",
    )
    question_parts: bool = Field(
        True,
        description="Judge and quote each part of a multi-part question on its own "
        "(rag.question_parts); a part the passages do not answer is said to be not covered.",
    )
    premise_check: bool = Field(
        True,
        description='Say so when a statement the question takes for granted ("Why does X '
        'return a new list?") is supported by no passage, and add no generated sentences.',
    )
    evidence_sentences: int = Field(
        3,
        ge=1,
        description="How many of the best-matching sentences may give the kind of answer "
        "asked for. Chosen on the dev splits of both question sets: 1, 2 and 3 declined the "
        "same questions (no answerable one), 5 let two unanswerable ones through; the "
        "largest of the flat range was taken.",
    )


DEFAULT_TUNING = GroundingTuning()
"""The tuning as shipped, for helpers called without settings."""


class AnswerSettings(Group):
    """Prompting, grounding and composing the answer (`[answer]`)."""

    mode: Literal["quote-and-generate", "generate"] = Field(
        "quote-and-generate",
        description="Lead with the course's best-matching sentences, then supported "
        "generated ones; or generated sentences only (quoting only when none is supported).",
    )
    grounding: Literal["remove", "flag", "off"] = "remove"
    support_threshold: float = Field(
        0.55,
        ge=0.0,
        le=1.0,
        description="A sentence is supported at this score; the monitor reviews answered "
        "turns with a sentence below it.",
    )
    prompt_passages: int = Field(
        3,
        ge=1,
        description="The model reads at most this many of the top_k passages; the opening "
        "quote may come from any of them. Each passage is ~120 prompt tokens, and prompt "
        "evaluation sets the time to the first generated token.",
    )
    prompt_budget_tokens: int = Field(
        1600, ge=128, description="Tokens for system prompt + passages + question."
    )
    max_generated_sentences: int = Field(2, ge=0, le=10)
    extractive_fallback: bool = True
    extractive_min_similarity: float = Field(0.45, ge=0.0, le=1.0)
    history_turns: int = Field(3, ge=0, description="Earlier questions used for follow-ups.")
    documents_name: str | None = Field(
        None,
        description="What the knowledge base is called in the assistant's messages (\"the "
        'course notes of ML 101"); None = the one indexed document\'s title, else "the '
        'indexed documents".',
    )
    max_question_chars: int = Field(4000, ge=10)
    tuning: GroundingTuning = Field(default_factory=GroundingTuning)

    @property
    def quote_first(self) -> bool:
        """Open with a course quote before the model writes (decided here, once)."""
        return self.mode == "quote-and-generate" and self.grounding == "remove"
