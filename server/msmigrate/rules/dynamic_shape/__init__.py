"""Rules of category dynamic_shape."""
