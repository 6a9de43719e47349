"""Shared kernel: canonical JSON, identifier validation, errors. Knows no domain app and no people."""
