"""Benchmarks for advisor; run `python -m benchmarks --help`."""
