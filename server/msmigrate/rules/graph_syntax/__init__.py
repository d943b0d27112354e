"""Rules of category graph_syntax."""
