"""Rules of category api_difference."""
