"""Robustness tests: does retrieval (and the answer) stay put when a question is perturbed?"""
