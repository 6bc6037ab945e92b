"""`make bench`: Bazaar's pages and purchases against a stock-Django floor, in one run.
Bench-only code: the shipped apps never import it. Entry point: `bench/run.py`."""
