"""The paired-Cell equivalence check: does a MindSpore Cell compute what its PyTorch module computes?

The parent side (`result`, `runner`, `pairing`, `report`) never imports torch or mindspore; the worker
(`worker`, `weights`, `compare`, `hooks`) runs in a subprocess and is the only code that does.
"""
