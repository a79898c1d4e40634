"""Settings of the provenance report and the answer memory."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ProvenanceConfig(BaseModel):
    """How texts are matched against the documents and the remembered answers.

    The answer memory keeps, per shown answer, only keyed hashes of its word shingles and
    one embedding vector (no text), with the turn id and date, for `retention_days`.
    The answer_* and cited_* thresholds were chosen on the dev split of the provenance
    benchmark (`python -m eval.watermark.provenance`, see docs/watermark.md).
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="Remember shown answers and match against them.")
    retention_days: int = Field(30, ge=1, description="Remembered answers older are deleted.")
    shingle_words: int = Field(4, ge=2, le=8, description="Words per shingle.")
    quote_min_words: int = Field(8, ge=2, description="Shortest stretch reported as a quote.")
    quote_max_gap: int = Field(3, ge=0, description="Edited words bridged inside a quote.")
    answer_min_shingles: int = Field(
        10, ge=1, description="Shingles not in the documents that an exact answer match needs."
    )
    cited_min_shingles: int = Field(
        2,
        ge=1,
        description="Shingles of a remembered answer (words of the documents included) that "
        "a text carrying a citation marker the documents lack there must reproduce to match "
        "it as a cited quote; with fewer, or without the marker, it is only noted.",
    )
    cited_max_gap: int = Field(
        12,
        ge=0,
        le=20,
        description="Words (edited ones, say) allowed between such a marker and the words "
        "of the answer it stands by.",
    )
    answer_min_similarity: float = Field(
        0.80, ge=0.0, le=1.0, description="Cosine to a remembered answer for a paraphrase match."
    )
    answer_margin: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="How much closer to the answer than to any document passage a paraphrase "
        "match must be, so that text quoted from the documents never matches by itself.",
    )
    embed_min_words: int = Field(20, ge=1, description="Shorter texts get no paraphrase check.")
    embed_window_words: int = Field(160, ge=20)
    max_embed_windows: int = Field(64, ge=1)
    max_chars: int = Field(200_000, ge=1000, description="Longer texts are read this far.")
