"""Settings read from environment variables.

`DevelopmentConfig` and `TestingConfig` carry throw-away secrets; `ProductionConfig` refuses to
start without a real `SECRET_KEY`.
"""

from __future__ import annotations

import os
from pathlib import Path

from surveys.languages import DEFAULT_LANGUAGE, DEFAULT_LANGUAGES

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
WEAK_SECRETS = {"", "dev", "change-me", "secret", "dev-only-not-secret", "test-only-not-secret"}
MIN_SECRET_LENGTH = 32


class StartupError(RuntimeError):
    """The configuration cannot run; one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def shipped_folder(name: str) -> Path:
    """A folder shipped with the app: inside the installed package (a wheel or an sdist puts it
    in surveys/bundled/), else at the top of the source checkout."""
    bundled = PACKAGE_DIR / "bundled" / name
    return bundled if bundled.is_dir() else PROJECT_ROOT / name


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"Environment variable {name} must be an integer, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


class BaseConfig:
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI: str | None = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = 5000
    BABEL_DEFAULT_LOCALE = DEFAULT_LANGUAGE
    BABEL_DEFAULT_TIMEZONE = "UTC"
    # The languages offered, the default first: "code", "code=Babel locale" or
    # "code=locale=rtl", comma-separated (e.g. "en=en_GB,fr=fr_FR,ar"); each one but English
    # needs a compiled catalogue (see surveys.languages).
    LANGUAGES = os.environ.get("LANGUAGES") or DEFAULT_LANGUAGES
    QUESTIONNAIRES_DIR = os.environ.get("QUESTIONNAIRES_DIR") or str(
        shipped_folder("questionnaires")
    )
    # Where evidence files and archived workbooks keep their bytes: "database" (the default: every
    # web machine sees them, and a database backup holds them) or "directory" (FILE_STORAGE_DIR,
    # default <instance>/files; a shared mount when several machines serve the app).
    FILE_STORAGE = os.environ.get("FILE_STORAGE", "database")
    FILE_STORAGE_DIR = os.environ.get("FILE_STORAGE_DIR")
    # Folders of versions before the file store: `surveys storage migrate` reads files from them.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR")  # default: <instance>/uploads
    ARCHIVE_DIR = os.environ.get("ARCHIVE_DIR")  # default: <instance>/archive
    MAX_UPLOAD_MB = _env_int("MAX_UPLOAD_MB", 10)
    MAX_DEFINITION_KB = _env_int("MAX_DEFINITION_KB", 512)
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")  # console | smtp
    MAIL_FROM = os.environ.get("MAIL_FROM", "no-reply@niamey-monitoring.invalid")
    SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
    SMTP_PORT = _env_int("SMTP_PORT", 25)
    SMTP_USE_TLS = _env_bool("SMTP_USE_TLS", False)
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")
    TOKEN_MAX_AGE_DAYS = _env_int("TOKEN_MAX_AGE_DAYS", 7)
    LOGIN_MAX_FAILURES = _env_int("LOGIN_MAX_FAILURES", 5)
    # Data API: a new personal access token lasts this long unless its owner picks a shorter
    # expiry, and each token may make API_RATE_LIMIT requests per API_RATE_WINDOW_SECONDS.
    API_TOKEN_DAYS = _env_int("API_TOKEN_DAYS", 90)
    API_TOKEN_MAX_DAYS = _env_int("API_TOKEN_MAX_DAYS", 366)
    API_RATE_LIMIT = _env_int("API_RATE_LIMIT", 120)
    API_RATE_WINDOW_SECONDS = _env_int("API_RATE_WINDOW_SECONDS", 60)
    LOGIN_WINDOW_MINUTES = _env_int("LOGIN_WINDOW_MINUTES", 15)
    # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust (0: none).
    # Without it behind a proxy, every visitor shares the proxy's address for sign-in throttling
    # and the audit log.
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a form left open over a long day must still save
    # Strict-Transport-Security max-age, sent on https responses only; 0: never (development).
    HSTS_SECONDS = 0
    # The password-reset request answers after at least this long, whether or not the address
    # has an account, so that the response time does not tell (see accounts.views).
    PASSWORD_RESET_MIN_SECONDS = 0.25
    DEMO_ENABLED = False
    # Where "/" sends a signed-in user, by the first role they hold in this order.
    LANDING_ENDPOINTS = {
        "respondent": "responses.home",
        "coordinator": "rounds.index",
        "analyst": "results.index",
        "admin": "accounts.people",
    }
    SCHEDULER_LOCK_FILE = os.environ.get(
        "SCHEDULER_LOCK_FILE"
    )  # default: <instance>/scheduler.lock
    # Logs on stderr: "json" (one object per line, for a log collector) or "text" (key=value).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
    # How old the active scheduler's heartbeat may be before /health and `surveys check` say so.
    SCHEDULER_HEARTBEAT_MAX_AGE = _env_int("SCHEDULER_HEARTBEAT_MAX_AGE", 120)


class DevelopmentConfig(BaseConfig):
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"
    DEMO_ENABLED = True


class TestingConfig(BaseConfig):
    TESTING = True
    SECRET_KEY = "test-only-not-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    DEMO_ENABLED = True
    WTF_CSRF_ENABLED = False  # tests that check CSRF switch it back on
    MAIL_BACKEND = "memory"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - fast hashing in tests only
    PASSWORD_RESET_MIN_SECONDS = 0.0  # the timing test sets its own


class ProductionConfig(BaseConfig):
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 365 * 24 * 3600)


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_environment() -> type[BaseConfig]:
    name = os.environ.get("SURVEYS_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError as exc:
        raise RuntimeError(
            f"SURVEYS_ENV={name!r} is not one of {', '.join(sorted(CONFIGS))}"
        ) from exc


def production_problems(config: dict) -> list[str]:
    """What a production configuration must never run with (startup refuses it)."""
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if secret in WEAK_SECRETS or len(secret) < MIN_SECRET_LENGTH:
        problems.append(
            f"SECRET_KEY: must be a random string of at least {MIN_SECRET_LENGTH} "
            'characters in production (e.g. python -c "import secrets; '
            'print(secrets.token_urlsafe(48))").'
        )
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        problems.append("DATABASE_URL: must be set in production (postgresql+psycopg://...).")
    return problems


def check_production_settings(config: dict) -> None:
    """Refuse to run production with a missing or well-known secret or without a database URL."""
    problems = production_problems(config)
    if problems:
        raise StartupError(problems)
