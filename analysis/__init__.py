"""Tractable analysis: read run files (HDF5) into pandas/numpy and plot them.

Runs on Debian's python3 (h5py, numpy, pandas, matplotlib); nothing from pip.
"""
from .runfile import Run, load_run
from .plots import plot_run

__all__ = ["Run", "load_run", "plot_run"]
