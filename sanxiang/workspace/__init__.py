"""The staff site."""
