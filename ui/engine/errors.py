"""Typed errors of the serving stack (model conversion, vLLM replicas, the router)."""

from __future__ import annotations

from rag.errors import CoursebotError


class EngineError(CoursebotError):
    """A vLLM replica, the router or the model conversion could not be started or finished."""
