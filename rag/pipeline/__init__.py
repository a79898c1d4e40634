"""The steps of one answered question, each a small object with one job.

`rag.assistant.Assistant.stream` runs them in order (see docs/architecture.md):
screen the question, find passages, decide abstention, plan the prompt, open with a quote,
generate, finish (grounding and composition), screen the answer, record the turn.
"""
