"""Generation on a remote engine: OpenAI-compatible servers, and vLLM with the watermark.

The in-process llama.cpp backend lives in `rag.generation`, beside the `Generator`
protocol every backend implements; `rag.components.make_generator` picks one by name.
"""
