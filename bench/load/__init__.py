"""The load test: `python -m bench.load` (see bench/load/run.py)."""
