"""The project's settings for bench/dashboard.py: without ``DATABASE_URL`` the SQLite file is the bench's own cached
database (``BENCH_DASHBOARD_DB``, e.g. var/bench/dashboard-v1/db.sqlite3) with the project's SQLite options."""

import os

from sanxiang.config.settings import *  # noqa: F403
from sanxiang.config.settings import DATABASES

if not os.environ.get("DATABASE_URL") and os.environ.get("BENCH_DASHBOARD_DB"):
    DATABASES["default"]["NAME"] = os.environ["BENCH_DASHBOARD_DB"]
