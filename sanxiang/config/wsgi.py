"""WSGI entry point (gunicorn sanxiang.config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanxiang.config.settings")
application = get_wsgi_application()
