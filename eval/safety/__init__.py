"""Measuring the safety layer: block rates, false positives, latency, per-category F1, fairness."""
