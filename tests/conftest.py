"""Shared set-up for optlib's unit tests."""

import os

# No display is ever needed: doctests of the plotting modules draw off-screen.
os.environ.setdefault("MPLBACKEND", "Agg")
