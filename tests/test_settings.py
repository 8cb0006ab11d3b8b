"""Configuration: defaults, validation naming the variable, a persisted secret key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.platform.settings import SettingsError, load_settings
from app.platform.sms import ESMS_URL, SmsGateway


def test_defaults_use_sqlite_under_var_and_vietnamese(tmp_path):
    settings = load_settings({"VAR_DIR": str(tmp_path)})
    assert settings.is_sqlite
    assert settings.sqlite_path == tmp_path / "gandan.sqlite3"
    assert settings.media_dir == tmp_path / "media"
    assert settings.default_language == "vi"
    assert settings.redis_url is None and settings.firebase_credentials is None


def test_smtp_is_off_until_a_host_is_given(tmp_path):
    assert load_settings({"VAR_DIR": str(tmp_path)}).smtp_host is None
    relay = load_settings({"VAR_DIR": str(tmp_path), "SMTP_HOST": "mail.example.vn", "SMTP_PORT": "25",
                           "SMTP_STARTTLS": "0"})  # fmt: skip
    assert (relay.smtp_host, relay.smtp_port, relay.smtp_starttls) == ("mail.example.vn", 25, False)


def test_sms_is_off_unless_its_three_settings_are_given(tmp_path):
    base = {"VAR_DIR": str(tmp_path)}
    assert load_settings(base).sms_gateway is None
    with pytest.raises(SettingsError) as missing:
        load_settings(base | {"SMS_API_KEY": "k", "SMS_BRANDNAME": "GANDAN"})
    assert missing.value.variable == "SMS_SECRET_KEY"
    gateway = load_settings(base | {"SMS_API_KEY": "k", "SMS_SECRET_KEY": "s", "SMS_BRANDNAME": "GANDAN",
                                    "SMS_SANDBOX": "1"}).sms_gateway  # fmt: skip
    assert gateway == SmsGateway(url=ESMS_URL, api_key="k", secret_key="s", brandname="GANDAN", sandbox=True)


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_settings({"VAR_DIR": str(tmp_path)}).secret_key
    second = load_settings({"VAR_DIR": str(tmp_path)}).secret_key
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert load_settings({"VAR_DIR": str(tmp_path / "other")}).secret_key != first


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", "mysql://root@localhost/x", "unsupported scheme 'mysql'"),
        ("DATABASE_URL", "postgresql://localhost", "needs a database name"),
        ("SECRET_KEY", "short", "at least 32 characters"),
        ("REDIS_URL", "http://localhost:6379", "redis://"),
        ("SMS_API_URL", "ftp://esms.example", "http(s) address"),
        ("FIREBASE_CREDENTIALS", "/nonexistent/key.json", "no such file"),
        ("DEFAULT_LANGUAGE", "fr", "one of vi, en"),
        ("SMTP_PORT", "smtp", "whole number"),
        ("SMTP_PORT", "70000", "between 1 and 65535"),
        ("SMTP_FROM", "Gần Dân", "must be an e-mail address"),
    ],
)
def test_a_bad_value_names_the_variable(tmp_path, variable, value, message):
    with pytest.raises(SettingsError) as error:
        load_settings({"VAR_DIR": str(tmp_path), variable: value})
    assert error.value.variable == variable
    assert str(error.value).startswith(f"{variable}: ") and message in str(error.value)


def test_start_up_stops_with_a_message_naming_the_variable(tmp_path):
    env = {**os.environ, "VAR_DIR": str(tmp_path), "DATABASE_URL": "oracle://db/x"}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "gandan"), "serve", "--port", "8999"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "DATABASE_URL" in done.stderr and "unsupported scheme" in done.stderr
    assert "Traceback" not in done.stderr


def test_create_app_refuses_a_bad_setting(tmp_path):
    code = "from app.main import create_app; create_app()"
    env = {**os.environ, "VAR_DIR": str(tmp_path), "DATABASE_URL": "", "MEDIA_DIR": "",
           "SECRET_KEY": "too-short"}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode != 0
    assert "SECRET_KEY: must be at least 32 characters long" in done.stderr
