"""The analysis engine: pure Python over the stdlib `ast`; it never imports pygls, mindspore or torch."""
