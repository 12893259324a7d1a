"""flowbench's bridge to OGBench: environment server (serve.py) and oracle dataset generation (generate.py)."""

__version__ = "0.1.0"
