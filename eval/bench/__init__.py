"""Benchmarks: measured on the machine they run on, reported with medians and the command."""
