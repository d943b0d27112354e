"""msmigrate: find what breaks when PyTorch code is ported to MindSpore, while it is typed."""

__version__ = "0.1.0"
