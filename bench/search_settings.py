"""The project's settings with the bench's urlconf (bench/search_urls.py) — nothing else changes."""

from sanxiang.config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.search_urls"
