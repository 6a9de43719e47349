"""Django settings, read from the environment (see docs/operations.md for every variable)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url

from sanxiang.config.env import SettingError, env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BASE_DIR.parent

SANXIANG_ENV = env_choice("SANXIANG_ENV", "development", ("development", "production", "test"))
PRODUCTION = SANXIANG_ENV == "production"

DATA_DIR = Path(env_str("SANXIANG_DATA_DIR", str(REPO_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

_DEV_SECRET = "dev-insecure-not-for-production-" + "x" * 32
SECRET_KEY = env_str("SANXIANG_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-insecure") or len(set(SECRET_KEY)) < 5):
    raise SettingError(
        "SANXIANG_SECRET_KEY (or SANXIANG_SECRET_KEY_FILE) must hold a real secret of at least 50 characters "
        "in production (SANXIANG_ENV=production)"
    )

DEBUG = env_bool("SANXIANG_DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("SANXIANG_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("SANXIANG_CSRF_TRUSTED_ORIGINS", [])
# The public base URL is printed into QR codes and documents, so it must be the address people reach.
PUBLIC_BASE_URL = env_str("SANXIANG_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- ledger -----------------------------------------------------------------------------------------------------
# The checkpoint signing key lives in files here, never in the database (docs/ledger.md). The origin names the log in
# its signed checkpoints: a schema-less URL (C2SP tlog-checkpoint), by default the public site's host and path.
SANXIANG_LEDGER_KEY_DIR = Path(env_str("SANXIANG_LEDGER_KEY_DIR", str(DATA_DIR / "ledger" / "keys"))).resolve()
_public_url = urlsplit(PUBLIC_BASE_URL)
SANXIANG_LEDGER_ORIGIN = env_str("SANXIANG_LEDGER_ORIGIN", f"{_public_url.netloc}{_public_url.path}/ledger")
if not SANXIANG_LEDGER_ORIGIN or any(c in SANXIANG_LEDGER_ORIGIN for c in "+ \t\r\n"):
    raise SettingError(
        "SANXIANG_LEDGER_ORIGIN must be non-empty, without '+' or whitespace (e.g. example.gov.cn/ledger)"
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "sanxiang.core",
    "sanxiang.ledger",
    "sanxiang.org",
    "sanxiang.staff",
    "sanxiang.registry",
    "sanxiang.cases",
    "sanxiang.review",
    "sanxiang.exchange",
    "sanxiang.disclosure",
    "sanxiang.complaints",
    "sanxiang.oversight",
    "sanxiang.inspections",
    "sanxiang.portal",
    "sanxiang.workspace",
    "sanxiang.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "sanxiang.core.middleware.SecureHeadersMiddleware",
]

ROOT_URLCONF = "sanxiang.config.urls"
WSGI_APPLICATION = "sanxiang.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sanxiang.workspace.context.staff_nav",
            ],
        },
    },
]

# --- database ---------------------------------------------------------------------------------------------------
# SQLite by default: WAL so readers never block the writer, IMMEDIATE transactions so that a writer takes the lock
# at BEGIN (no upgrade deadlocks between the web server, the task worker and the ledger lock), and a busy timeout.
_database_url = env_str("DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=env_int("SANXIANG_DB_CONN_MAX_AGE", 60))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "sanxiang.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": env_int("SANXIANG_SQLITE_TIMEOUT", 20),
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

TASKS = {
    "default": {
        "BACKEND": env_str("SANXIANG_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- auth & security --------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "workspace:login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "portal:home"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SANXIANG_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SANXIANG_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SANXIANG_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading binds the whole registered domain (often a shared gov.cn zone): the domain owner's decision,
        # not ours. See docs/decisions/0002-hsts-preload.md.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- i18n -------------------------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("SANXIANG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- files ------------------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Site-wide assets (base stylesheet, vendored htmx) shared by the portal and the staff site.
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- evidence files (docs/evidence.md) ---------------------------------------------------------------------------
# Content-addressed and written once (sanxiang/ledger/evidence.py): a local directory by default, S3-compatible
# object storage when SANXIANG_EVIDENCE_S3_BUCKET is set. Partial uploads are not evidence: they stay in a local
# directory of their own until complete and verified, and expire SANXIANG_UPLOAD_EXPIRY_HOURS after their last chunk.
# Upload chunks are read from the request stream, so DATA_UPLOAD_MAX_MEMORY_SIZE (which caps request.body) does not
# limit them and no chunk is held in memory.
SANXIANG_EVIDENCE_DIR = Path(env_str("SANXIANG_EVIDENCE_DIR", str(DATA_DIR / "evidence"))).resolve()
SANXIANG_UPLOAD_DIR = Path(env_str("SANXIANG_UPLOAD_DIR", str(DATA_DIR / "uploads"))).resolve()
SANXIANG_UPLOAD_EXPIRY_HOURS = env_int("SANXIANG_UPLOAD_EXPIRY_HOURS", 24)
SANXIANG_UPLOAD_MAX_SIZE = env_int("SANXIANG_UPLOAD_MAX_SIZE", 64 * 1024**3)
_evidence_bucket = env_str("SANXIANG_EVIDENCE_S3_BUCKET", "")
if _evidence_bucket:
    from boto3.s3.transfer import TransferConfig

    STORAGES["evidence"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _evidence_bucket,
            "endpoint_url": env_str("SANXIANG_EVIDENCE_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("SANXIANG_EVIDENCE_S3_REGION", "") or None,
            # Empty: boto3's own chain (AWS_ACCESS_KEY_ID, instance roles). *_FILE variants read a secret file.
            "access_key": env_str("SANXIANG_EVIDENCE_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("SANXIANG_EVIDENCE_S3_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("SANXIANG_EVIDENCE_S3_PREFIX", "").strip("/"),
            "addressing_style": env_choice(
                "SANXIANG_EVIDENCE_S3_ADDRESSING_STYLE", "auto", ("auto", "path", "virtual")
            ),
            "signature_version": "s3v4",
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
            # Multipart parts of 8 MiB, at most four in flight: bounded memory when moving a GB file to the bucket.
            "transfer_config": TransferConfig(multipart_chunksize=8 * 1024**2, max_concurrency=4),
        },
    }
else:
    STORAGES["evidence"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(SANXIANG_EVIDENCE_DIR),
            "base_url": None,
            # Written once: read-only files; the directories stay writable for new content.
            "file_permissions_mode": 0o440,
            "directory_permissions_mode": 0o750,
        },
    }
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("SANXIANG_LOG_LEVEL", "INFO")},
}

NINJA_PAGINATION_PER_PAGE = 20

# Legal review (重大执法决定法制审核). The plan's stated direction: review every decision made outside the summary
# procedure, not only those in the major-decision catalogue.
SANXIANG_REVIEW_ALL_GENERAL = env_bool("SANXIANG_REVIEW_ALL_GENERAL", False)

# Post-enforcement disclosure (事后公开): working days from the decision to publication (国办发〔2018〕118号), from a
# decision's revocation to withdrawal (行政处罚法第四十八条), and how long a publication stays online (local rules).
SANXIANG_PUBLISH_LICENCE_PENALTY_DAYS = env_int("SANXIANG_PUBLISH_LICENCE_PENALTY_DAYS", 7)
SANXIANG_PUBLISH_OTHER_DAYS = env_int("SANXIANG_PUBLISH_OTHER_DAYS", 20)
# Random-inspection results (双随机、一公开), from the inspection's end (plan 二(一)5).
SANXIANG_PUBLISH_INSPECTION_DAYS = env_int("SANXIANG_PUBLISH_INSPECTION_DAYS", 20)
SANXIANG_WITHDRAW_DAYS = env_int("SANXIANG_WITHDRAW_DAYS", 3)
SANXIANG_RETENTION_ORGANISATION_YEARS = env_int("SANXIANG_RETENTION_ORGANISATION_YEARS", 5)
SANXIANG_RETENTION_PERSON_YEARS = env_int("SANXIANG_RETENTION_PERSON_YEARS", 3)

# Random inspections: how often one target may be inspected in a calendar year, across plans (combined visits count
# once).
SANXIANG_INSPECTION_YEARLY_CAP = env_int("SANXIANG_INSPECTION_YEARLY_CAP", 2)

# Complaints (监督举报): the public form's limits and the reply time limit in working days.
SANXIANG_COMPLAINT_RATE_PER_HOUR = env_int("SANXIANG_COMPLAINT_RATE_PER_HOUR", 5)
SANXIANG_COMPLAINT_MAX_CHARS = env_int("SANXIANG_COMPLAINT_MAX_CHARS", 5000)
SANXIANG_COMPLAINT_MAX_ATTACHMENTS = env_int("SANXIANG_COMPLAINT_MAX_ATTACHMENTS", 3)
SANXIANG_COMPLAINT_MAX_ATTACHMENT_BYTES = env_int("SANXIANG_COMPLAINT_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
SANXIANG_COMPLAINT_REPLY_DAYS = env_int("SANXIANG_COMPLAINT_REPLY_DAYS", 15)

# Data exchange (outbound push): retry backoff between the first and the longest wait, in seconds.
SANXIANG_EXCHANGE_BACKOFF_FIRST = env_int("SANXIANG_EXCHANGE_BACKOFF_FIRST", 10)
SANXIANG_EXCHANGE_BACKOFF_MAX = env_int("SANXIANG_EXCHANGE_BACKOFF_MAX", 3600)
SANXIANG_EXCHANGE_TIMEOUT = env_int("SANXIANG_EXCHANGE_TIMEOUT", 10)
# Receivers' HMAC secrets, one file each (mode 0600), outside the database; shared by every app server.
SANXIANG_EXCHANGE_SECRET_DIR = Path(
    env_str("SANXIANG_EXCHANGE_SECRET_DIR", str(DATA_DIR / "exchange" / "secrets"))
).resolve()
