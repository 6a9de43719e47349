"""Chinese full-text search of publications (filled in by the search work)."""


def connect() -> None:
    """Register what keeps the search index current (called from ``DisclosureConfig.ready``)."""
