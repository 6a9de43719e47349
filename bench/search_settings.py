"""The project's settings with the bench's urlconf (bench/search_urls.py); ``BENCH_PAGE_MEMO=0`` also turns off the
publication list's memory of rendered pages, to measure the uncached path."""

import os

from sanxiang.config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.search_urls"
PUBLICATION_PAGE_MEMO = os.environ.get("BENCH_PAGE_MEMO", "1") != "0"
