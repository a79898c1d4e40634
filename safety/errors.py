"""Typed errors of the safety layer; each message says what to do next."""

from __future__ import annotations


class SafetyError(Exception):
    """Base class for every error the safety layer raises."""


class SafetyModelError(SafetyError):
    """A safety model (checkpoint, weights, encoder) is missing, corrupt or unloadable."""


class SafetyConfigError(SafetyError):
    """The safety policy asks for something that cannot be built."""
