"""Settings come from the environment through helpers that fail loudly."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sanxiang.config import env


def test_env_helpers_parse_and_refuse(monkeypatch, tmp_path):
    monkeypatch.setenv("SX_FLAG", "yes")
    monkeypatch.setenv("SX_NUM", "12")
    monkeypatch.setenv("SX_LIST", "a, b,,c")
    assert env.env_bool("SX_FLAG", False) is True
    assert env.env_int("SX_NUM", 0) == 12
    assert env.env_list("SX_LIST", []) == ["a", "b", "c"]
    monkeypatch.setenv("SX_FLAG", "maybe")
    with pytest.raises(env.SettingError, match="SX_FLAG"):
        env.env_bool("SX_FLAG", False)
    monkeypatch.setenv("SX_NUM", "twelve")
    with pytest.raises(env.SettingError, match="SX_NUM"):
        env.env_int("SX_NUM", 0)
    with pytest.raises(env.SettingError, match="SX_MISSING must be set"):
        env.env_str("SX_MISSING")
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("SX_SECRET_FILE", str(secret))
    assert env.env_str("SX_SECRET") == "from-a-file"
    monkeypatch.setenv("SX_SECRET_FILE", str(tmp_path / "absent"))
    with pytest.raises(env.SettingError, match="cannot be read"):
        env.env_str("SX_SECRET")
    monkeypatch.setenv("SX_MODE", "staging")
    with pytest.raises(env.SettingError, match="must be one of"):
        env.env_choice("SX_MODE", "development", ("development", "production"))


def _check(tmp_path, **extra: str) -> subprocess.CompletedProcess[str]:
    # A clean production environment: nothing of ours, and no test-only Django switches (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE for Playwright, which check --deploy rightly warns about).
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("SANXIANG_", "DATABASE_URL", "DJANGO_"))
    }
    environment.update({"SANXIANG_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "sanxiang.config.settings"})
    environment.update(extra)
    return subprocess.run(
        [sys.executable, "-m", "sanxiang", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_a_real_secret_key(tmp_path):
    result = _check(tmp_path, SANXIANG_ENV="production", SANXIANG_ALLOWED_HOSTS="sanxiang.example.org")
    assert result.returncode != 0
    assert "SANXIANG_SECRET_KEY" in result.stderr
    weak = _check(
        tmp_path,
        SANXIANG_ENV="production",
        SANXIANG_ALLOWED_HOSTS="sanxiang.example.org",
        SANXIANG_SECRET_KEY="short",
    )
    assert weak.returncode != 0


def test_production_with_a_real_key_passes_check_deploy(tmp_path):
    result = _check(
        tmp_path,
        SANXIANG_ENV="production",
        SANXIANG_ALLOWED_HOSTS="sanxiang.example.org",
        SANXIANG_SECRET_KEY="Zq8vT3mW9xR2pL7nB4cY6hJ1dF5sG0aEkk2Lm9Pq4Rs7Tu0Vw3Xy6Za9Bc2De5Fg8",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(settings):
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite settings only")
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
    assert options["timeout"] > 0


def test_secure_headers_are_sent(client, db):
    response = client.get("/staff/login/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response.headers["Permissions-Policy"]
