"""Maintenance scripts that regenerate the data in `mappings/` (run as `python -m tools.<name>`)."""
