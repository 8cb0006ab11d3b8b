"""Configuration from the environment, read and checked in one place.

A wrong value raises SettingsError naming the variable, so start-up stops with a message an
operator can act on instead of a stack trace deep inside a driver.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from ipaddress import ip_network
from pathlib import Path
from urllib.parse import urlsplit

from app.platform.sms import ESMS_URL, SmsGateway

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("vi", "en")


class SettingsError(ValueError):
    """A configuration variable has a value the application cannot use."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        super().__init__(f"{variable}: {problem}")


@dataclass(frozen=True)
class RateLimit:
    per_device: int  # 0: no per-device limit
    per_address: int  # 0: no per-address limit
    unit: str  # second, minute, hour or day


# Generous per address: a whole village or a mobile carrier's NAT may share one address.
DEFAULT_RATE_LIMITS = {
    "reports": RateLimit(10, 60, "hour"),
    "supports": RateLimit(60, 300, "hour"),
    "comments": RateLimit(30, 200, "hour"),
    "flags": RateLimit(30, 200, "hour"),
    "proposal_supports": RateLimit(60, 300, "hour"),
    "devices": RateLimit(10, 100, "hour"),
    "proposals": RateLimit(5, 30, "hour"),
    "votes": RateLimit(0, 200, "hour"),  # by network only: see abuse_limits.ADDRESS_ONLY
    # Each costs an e-mail or a paid SMS and can pester a stranger; the number has its own limit.
    "restore_links": RateLimit(3, 60, "day"),
}
RATE_UNITS = ("second", "minute", "hour", "day")


@dataclass(frozen=True)
class Settings:
    database_url: str
    var_dir: Path
    media_dir: Path
    secret_key: str
    redis_url: str | None
    firebase_credentials: Path | None
    default_language: str
    duplicate_radius_m: int = 100
    originals_dir: Path | None = None  # originals kept here (never served) only when set
    map_tiles_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    fcm_url: str = "https://fcm.googleapis.com/v1/projects/{project_id}/messages:send"
    public_url: str = "http://127.0.0.1:8000"  # links in pushes and receipts
    firebase_web_config: dict | None = None  # the web app's Firebase config, for the PWA
    open311_fetch_private: bool = False  # let Open311 media_url reach private addresses
    sweep_interval_seconds: int = 300  # the deadline sweep inside the server; 0: only by cron
    # Reverse proxies whose X-Forwarded-For names the real client (TRUSTED_PROXIES).
    trusted_proxies: tuple[str, ...] = ()  # addresses or networks, checked when read
    smtp_host: str | None = None  # e-mail (the link that restores a resident's reports); off if unset
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "Gần Dân <no-reply@localhost>"
    smtp_starttls: bool = True
    # SMS through eSMS.vn (the other way to get the restore link); off unless all three are set.
    sms_gateway: SmsGateway | None = None
    flags_to_hide: int = 3  # a comment flagged by this many people is hidden until moderated
    survey_period_months: int = 6  # the satisfaction survey's period, unless a ward sets its own
    # Abuse limits: per action, how many writes one device and one network address may make
    # per period (RATE_LIMIT_<ACTION>, e.g. "10,60/hour"). See app/platform/abuse_limits.py.
    rate_limits: tuple[tuple[str, RateLimit], ...] = tuple(DEFAULT_RATE_LIMITS.items())

    def rate_limit(self, action: str) -> RateLimit | None:
        return dict(self.rate_limits).get(action)

    def link(self, path: str) -> str:
        """An absolute address on this site, from PUBLIC_URL: never from the request's Host
        header, which a client chooses."""
        return f"{self.public_url.rstrip('/')}/{path.lstrip('/')}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        """The database file of a ``sqlite:///path`` URL (three slashes: relative, four: absolute)."""
        return Path(urlsplit(self.database_url).path[1:])




def _rate_limits(env: dict[str, str]) -> tuple[tuple[str, RateLimit], ...]:
    limits = []
    for action, default in DEFAULT_RATE_LIMITS.items():
        variable = f"RATE_LIMIT_{action.upper()}"
        raw = env.get(variable, "").strip().lower()
        if not raw:
            limits.append((action, default))
            continue
        counts, _, unit = raw.partition("/")
        device, _, address = counts.partition(",")
        try:
            limit = RateLimit(int(device), int(address), unit.strip())
        except ValueError:
            limit = None
        if limit is None or limit.unit not in RATE_UNITS or min(limit.per_device, limit.per_address) < 0:
            raise SettingsError(variable, "must be PER_DEVICE,PER_ADDRESS/UNIT (second, minute, hour "
                                          "or day), e.g. 10,60/hour; 0 turns one of them off")  # fmt: skip
        limits.append((action, limit))
    return tuple(limits)


def _database_url(env: dict[str, str], var_dir: Path) -> str:
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{var_dir / 'gandan.sqlite3'}"
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        if not urlsplit(url).path[1:]:
            raise SettingsError("DATABASE_URL", "a SQLite URL needs a file: sqlite:///var/gandan.sqlite3")
        return url
    if scheme in ("postgres", "postgresql"):
        parts = urlsplit(url)
        if not parts.path.strip("/"):
            raise SettingsError(
                "DATABASE_URL", "a PostgreSQL URL needs a database name: postgresql://user@host/dbname"
            )
        return url
    raise SettingsError(
        "DATABASE_URL",
        f"unsupported scheme {scheme or '(none)'!r}; use sqlite:///path/to/file.sqlite3 "
        "or postgresql://user:password@host:5432/dbname",
    )


def _secret_key(env: dict[str, str], var_dir: Path) -> str:
    """The signing key: from SECRET_KEY, else generated once and kept under var/.

    Never a constant in code: every installation must sign its sessions with its own key.
    """
    key = env.get("SECRET_KEY", "").strip()
    if key:
        if len(key) < 32:
            raise SettingsError("SECRET_KEY", "must be at least 32 characters long")
        return key
    key_file = var_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(48)
    var_dir.mkdir(parents=True, exist_ok=True)
    # Written to a temporary name then renamed, so two processes starting at once agree.
    tmp = key_file.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(key)
    tmp.chmod(0o600)
    try:
        os.link(tmp, key_file)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return key_file.read_text().strip()


def _whole_number(env: dict[str, str], variable: str, default: int, low: int, high: int, unit: str) -> int:
    raw = env.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(variable, f"must be a whole number of {unit}") from None
    if not low <= value <= high:
        raise SettingsError(variable, f"must be between {low} and {high} {unit}")
    return value


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    var_dir = Path(env.get("VAR_DIR") or PROJECT_ROOT / "var").resolve()

    redis_url = env.get("REDIS_URL", "").strip() or None
    if redis_url and urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
        raise SettingsError("REDIS_URL", "must start with redis://, rediss:// or unix://")

    firebase = env.get("FIREBASE_CREDENTIALS", "").strip() or None
    firebase_path = Path(firebase) if firebase else None
    if firebase_path and not firebase_path.is_file():
        raise SettingsError("FIREBASE_CREDENTIALS", f"no such file: {firebase_path}")

    language = env.get("DEFAULT_LANGUAGE", "vi").strip() or "vi"
    if language not in LANGUAGES:
        raise SettingsError("DEFAULT_LANGUAGE", f"must be one of {', '.join(LANGUAGES)}")

    media_dir = Path(env.get("MEDIA_DIR") or var_dir / "media").resolve()
    if media_dir.exists() and not media_dir.is_dir():
        raise SettingsError("MEDIA_DIR", f"{media_dir} exists and is not a folder")

    radius = _whole_number(env, "DUPLICATE_RADIUS_M", 100, 0, 5000, "metres")

    originals = env.get("ORIGINALS_DIR", "").strip()
    originals_dir = Path(originals).resolve() if originals else None
    if originals_dir and originals_dir.is_relative_to(media_dir):
        raise SettingsError("ORIGINALS_DIR", "must not be inside MEDIA_DIR, which is public")

    tiles = env.get("MAP_TILES_URL", "").strip() or Settings.map_tiles_url
    if not all(part in tiles for part in ("{z}", "{x}", "{y}")):
        raise SettingsError("MAP_TILES_URL", "must contain {z}, {x} and {y}")

    sweep_interval = _whole_number(env, "SWEEP_INTERVAL_SECONDS", 300, 0, 86_400, "seconds (0: off)")
    flags_to_hide = _whole_number(env, "FLAGS_TO_HIDE", 3, 1, 1000, "flags")
    survey_months = _whole_number(env, "SURVEY_PERIOD_MONTHS", 6, 1, 12, "months")
    if 12 % survey_months:
        raise SettingsError("SURVEY_PERIOD_MONTHS", "must be 1, 2, 3, 4, 6 or 12 months")

    fcm_url = env.get("FCM_URL", "").strip() or Settings.fcm_url
    if urlsplit(fcm_url).scheme not in ("http", "https"):
        raise SettingsError("FCM_URL", "must be an http(s) URL; {project_id} may stand for the project")
    public_url = (env.get("PUBLIC_URL", "").strip() or Settings.public_url).rstrip("/")
    if urlsplit(public_url).scheme not in ("http", "https"):
        raise SettingsError("PUBLIC_URL", "must be the site's address, e.g. https://gandan.example.vn")
    web_config = None
    if raw := env.get("FIREBASE_WEB_CONFIG", "").strip():
        try:
            web_config = json.loads(raw)
        except json.JSONDecodeError:
            raise SettingsError(
                "FIREBASE_WEB_CONFIG", "must be the JSON config of the Firebase web app"
            ) from None
        missing = {"apiKey", "projectId", "appId", "messagingSenderId"} - set(web_config)
        if missing:
            raise SettingsError("FIREBASE_WEB_CONFIG", f"lacks {', '.join(sorted(missing))}")

    try:
        listed = [p.strip() for p in env.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
        proxies = tuple(str(ip_network(p)) for p in listed)
    except ValueError:
        raise SettingsError(
            "TRUSTED_PROXIES", "must be addresses or networks separated by commas, e.g. 127.0.0.1,10.0.0.0/8"
        ) from None

    smtp_port = _whole_number(env, "SMTP_PORT", 587, 1, 65_535, "(a TCP port)")
    smtp_from = env.get("SMTP_FROM", "").strip() or Settings.smtp_from
    if "@" not in smtp_from:
        raise SettingsError("SMTP_FROM", "must be an e-mail address, e.g. Gần Dân <no-reply@gandan.vn>")

    return Settings(
        sms_gateway=_sms_gateway(env),
        rate_limits=_rate_limits(env),
        trusted_proxies=proxies,
        smtp_host=env.get("SMTP_HOST", "").strip() or None,
        smtp_port=smtp_port,
        smtp_user=env.get("SMTP_USER", "").strip() or None,
        smtp_password=env.get("SMTP_PASSWORD") or None,
        smtp_from=smtp_from,
        smtp_starttls=env.get("SMTP_STARTTLS", "1").strip().lower() not in ("0", "false", "no", "off"),
        fcm_url=fcm_url,
        public_url=public_url,
        firebase_web_config=web_config,
        open311_fetch_private=env.get("OPEN311_MEDIA_FETCH_PRIVATE", "").strip().lower()
        in ("1", "true", "yes"),
        sweep_interval_seconds=sweep_interval,
        flags_to_hide=flags_to_hide,
        survey_period_months=survey_months,
        duplicate_radius_m=radius,
        originals_dir=originals_dir,
        map_tiles_url=tiles,
        database_url=_database_url(env, var_dir),
        var_dir=var_dir,
        media_dir=media_dir,
        secret_key=_secret_key(env, var_dir),
        redis_url=redis_url,
        firebase_credentials=firebase_path,
        default_language=language,
    )


def _sms_gateway(env: dict[str, str]) -> SmsGateway | None:
    """SMS_API_KEY, SMS_SECRET_KEY and SMS_BRANDNAME (the sender name registered with the
    carriers): all three, or none for no SMS."""
    url = env.get("SMS_API_URL", "").strip() or ESMS_URL
    if urlsplit(url).scheme not in ("http", "https"):
        raise SettingsError("SMS_API_URL", f"must be an http(s) address, e.g. {ESMS_URL}")
    names = ("SMS_API_KEY", "SMS_SECRET_KEY", "SMS_BRANDNAME")
    given = {name: env.get(name, "").strip() for name in names}
    if not any(given.values()):
        return None
    if missing := [name for name in names if not given[name]]:
        raise SettingsError(missing[0], "is needed with the other SMS settings (SMS_API_KEY, SMS_SECRET_KEY, "
                            "SMS_BRANDNAME), or leave all three empty for no SMS")  # fmt: skip
    sandbox = env.get("SMS_SANDBOX", "").strip().lower() in ("1", "true", "yes", "on")
    return SmsGateway(url=url, api_key=given["SMS_API_KEY"], secret_key=given["SMS_SECRET_KEY"],
                      brandname=given["SMS_BRANDNAME"], sandbox=sandbox)  # fmt: skip


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
