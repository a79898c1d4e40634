"""Serving generation on vLLM: model conversion, replica processes, and `make serve`."""
