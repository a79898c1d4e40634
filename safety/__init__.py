"""coursebot's safety layer: input and output guards, PII redaction, policies, verdicts.

Imports nothing of the rest of the project, so rag/ (and anyone else) can build on it.
"""

from safety.errors import SafetyConfigError, SafetyError, SafetyModelError
from safety.guards import InputGuard, OutputGuard
from safety.pii import redact_pii
from safety.policy import CategoryRule, SafetyPolicy
from safety.verdict import Verdict

__all__ = [
    "CategoryRule",
    "InputGuard",
    "OutputGuard",
    "SafetyConfigError",
    "SafetyError",
    "SafetyModelError",
    "SafetyPolicy",
    "Verdict",
    "redact_pii",
]
