"""The foundation: health, production settings, PostgreSQL only."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-production-secret-" + "k7Qx9" * 10,
    "ALLOWED_HOSTS": "portal.example.in",
    "CSRF_TRUSTED_ORIGINS": "https://portal.example.in",
    "DATABASE_URL": "postgresql://portal@127.0.0.1:1/portal",
    "ENKASH_WEBHOOK_TOKEN": "a-webhook-token",
}


def production(**overrides):
    """The environment of a production process: no test or debug switches."""
    base = {k: v for k, v in os.environ.items() if k not in ("B2BPORTAL_TESTING", "DEBUG")}
    return {**base, **PRODUCTION_ENV, **overrides}


def run_python(*args, env):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.django_db
def test_healthz_answers_200_with_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_database_unreachable(settings):
    # A real server process whose database does not answer.
    probe = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz', HTTP_HOST='127.0.0.1');"
        "print(r.status_code, r.json()['status'])"
    )
    env = production(
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DJANGO_SETTINGS_MODULE="b2bportal.settings",
    )
    result = run_python("-c", probe, env=env)
    assert result.stdout.strip() == "503 unavailable", result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = run_python(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=production()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_webhook_authentication():
    env = production(ENKASH_WEBHOOK_TOKEN="")
    result = run_python("manage.py", "check", env=env)
    assert result.returncode != 0
    assert "network.E001" in result.stderr
    wsgi = run_python("-c", "import b2bportal.wsgi", env=env)
    assert wsgi.returncode != 0
    assert "No webhook authentication is configured" in wsgi.stderr


def test_production_requires_secret_key():
    result = run_python("manage.py", "check", env=production(SECRET_KEY=""))
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_database_is_postgresql_and_stores_utc():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW TIME ZONE")
        assert cursor.fetchone()[0] == "UTC"
