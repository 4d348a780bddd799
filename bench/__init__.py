"""Benchmarks (not tests): run them as scripts, e.g. `python bench/webhook_ingest.py`."""
