"""Offline hallucination evaluation: claim-level faithfulness, abstention, traps, with CIs."""
