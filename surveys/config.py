"""Settings read from environment variables, when the app is built (never at import: a value
set after `import surveys`, as a test or a wrapper may, is still read).

A variable that cannot be used (`SMTP_PORT=abc`, `SURVEYS_ENV=prod`, `DATABASE_URL=postgres://`)
gives one line naming it and what is expected; the app refuses to start with those lines
(`surveys check` lists them instead). Development carries a throw-away secret; production
refuses to start without a real `SECRET_KEY` and a `DATABASE_URL`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from surveys.languages import DEFAULT_LANGUAGE, DEFAULT_LANGUAGES

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
WEAK_SECRETS = {"", "dev", "change-me", "secret", "dev-only-not-secret", "test-only-not-secret"}
MIN_SECRET_LENGTH = 32
# A random secret of 32 characters or more, even in hexadecimal, shows far more distinct
# characters than this; "aaaa..." or "abababab..." does not.
MIN_SECRET_DISTINCT_CHARACTERS = 10
HSTS_DEFAULT_SECONDS = 365 * 24 * 3600
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
# The environments an operator may choose; "testing" is the test suite's own, never offered.
ENVIRONMENTS = ("development", "production")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DATABASE_URL_EXAMPLE = "postgresql+psycopg://user:password@host:5432/surveys"
# Set in app.extensions when DATABASE_URL cannot be used and the app was built anyway to report
# it (`surveys check`): it then stands on an empty in-memory database the checks leave alone.
UNUSABLE_DATABASE = "surveys.database_unusable"


class StartupError(RuntimeError):
    """The configuration cannot run; one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems

    def report(self) -> str:
        """What the command line and the web server's entry point print (then they exit)."""
        return "\n".join(["surveys cannot start:", *(f"  {p}" for p in self.problems)])


def shipped_folder(name: str) -> Path:
    """A folder shipped with the app: inside the installed package (a wheel or an sdist puts it
    in surveys/bundled/), else at the top of the source checkout."""
    bundled = PACKAGE_DIR / "bundled" / name
    return bundled if bundled.is_dir() else PROJECT_ROOT / name


class _Environment:
    """Reads settings from environment variables, noting one line per unusable value (the
    variable, what is expected, what was given) and using the default in its place, so that
    the app can refuse to start with every problem at once, or `surveys check` list them."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []

    def raw(self, name: str) -> str | None:
        """The value, None when unset or blank."""
        value = self.environ.get(name)
        return None if value is None or value.strip() == "" else value.strip()

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.environ.get(name)
        return default if value is None else value

    def integer(
        self, name: str, default: int, *, minimum: int = 0, maximum: int | None = None, hint=""
    ) -> int:
        raw = self.raw(name)
        if raw is None:
            return default
        try:
            value: int | None = int(raw)
        except ValueError:
            value = None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            limits = f"from {minimum} to {maximum}" if maximum is not None else f"{minimum} or more"
            self.problems.append(f"{name}: expected a whole number ({limits}{hint}), got {raw!r}")
            return default
        return value

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.raw(name)
        if raw is None:
            return default
        if raw.lower() in TRUE_WORDS:
            return True
        if raw.lower() in FALSE_WORDS:
            return False
        self.problems.append(f"{name}: expected true or false, got {raw!r}")
        return default

    def choice(
        self, name: str, default: str, offered: tuple[str, ...], *, also: tuple[str, ...] = ()
    ) -> str:
        """One of `offered` (or of `also`: accepted, never offered), in any case."""
        raw = self.raw(name)
        if raw is None:
            return default
        for known in (*offered, *also):
            if raw.lower() == known.lower():
                return known
        expected = (
            ", ".join(offered[:-1]) + f" or {offered[-1]}" if len(offered) > 1 else offered[0]
        )
        self.problems.append(f"{name}: expected {expected}, got {raw!r}")
        return default


def settings_from_environment(environ: Mapping[str, str] | None = None) -> tuple[dict, list[str]]:
    """The settings of SURVEYS_ENV read from the environment, and one line per variable that
    cannot be used (its default is used meanwhile)."""
    env = _Environment(os.environ if environ is None else environ)
    name = env.choice("SURVEYS_ENV", "development", ENVIRONMENTS, also=("testing",))
    settings = {
        "SURVEYS_ENV": name,
        "SECRET_KEY": env.text("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": env.raw("DATABASE_URL"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SQLITE_BUSY_TIMEOUT_MS": 5000,
        "BABEL_DEFAULT_LOCALE": DEFAULT_LANGUAGE,
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        # The languages offered, the default first: "code", "code=Babel locale" or
        # "code=locale=rtl", comma-separated (e.g. "en=en_GB,fr=fr_FR,ar"); each one but
        # English needs a compiled catalogue (see surveys.languages).
        "LANGUAGES": env.raw("LANGUAGES") or DEFAULT_LANGUAGES,
        "QUESTIONNAIRES_DIR": env.raw("QUESTIONNAIRES_DIR")
        or str(shipped_folder("questionnaires")),
        # Where evidence files and archived workbooks keep their bytes: "database" (the default:
        # every web machine sees them, and a database backup holds them) or "directory"
        # (FILE_STORAGE_DIR, default <instance>/files; a shared mount when several machines
        # serve the app).
        "FILE_STORAGE": env.text("FILE_STORAGE", "database"),
        "FILE_STORAGE_DIR": env.raw("FILE_STORAGE_DIR"),
        # Folders of versions before the file store: `surveys storage migrate` reads files there.
        "UPLOAD_DIR": env.raw("UPLOAD_DIR"),  # default: <instance>/uploads
        "ARCHIVE_DIR": env.raw("ARCHIVE_DIR"),  # default: <instance>/archive
        "MAX_UPLOAD_MB": env.integer("MAX_UPLOAD_MB", 10, minimum=1),
        "MAX_DEFINITION_KB": env.integer("MAX_DEFINITION_KB", 512, minimum=1),
        "BASE_URL": env.text("BASE_URL", "http://127.0.0.1:5000"),
        "MAIL_BACKEND": env.text("MAIL_BACKEND", "console"),  # console | smtp
        "MAIL_FROM": env.text("MAIL_FROM", "no-reply@niamey-monitoring.invalid"),
        "SMTP_HOST": env.text("SMTP_HOST", "localhost"),
        "SMTP_PORT": env.integer("SMTP_PORT", 25, minimum=1, maximum=65535, hint=", e.g. 587"),
        "SMTP_USE_TLS": env.boolean("SMTP_USE_TLS", False),
        "SMTP_USERNAME": env.raw("SMTP_USERNAME"),
        "SMTP_PASSWORD": env.text("SMTP_PASSWORD"),
        "SMTP_TLS_CA_FILE": env.text("SMTP_TLS_CA_FILE"),
        "TOKEN_MAX_AGE_DAYS": env.integer("TOKEN_MAX_AGE_DAYS", 7, minimum=1),
        "LOGIN_MAX_FAILURES": env.integer("LOGIN_MAX_FAILURES", 5, minimum=1),
        "LOGIN_WINDOW_MINUTES": env.integer("LOGIN_WINDOW_MINUTES", 15, minimum=1),
        # Data API: a new personal access token lasts this long unless its owner picks a
        # shorter expiry, and each token may make API_RATE_LIMIT requests per
        # API_RATE_WINDOW_SECONDS.
        "API_TOKEN_DAYS": env.integer("API_TOKEN_DAYS", 90, minimum=1),
        "API_TOKEN_MAX_DAYS": env.integer("API_TOKEN_MAX_DAYS", 366, minimum=1),
        "API_RATE_LIMIT": env.integer("API_RATE_LIMIT", 120, minimum=1),
        "API_RATE_WINDOW_SECONDS": env.integer("API_RATE_WINDOW_SECONDS", 60, minimum=1),
        # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust
        # (0: none). Without it behind a proxy, every visitor shares the proxy's address for
        # sign-in throttling and the audit log.
        "TRUSTED_PROXIES": env.integer(
            "TRUSTED_PROXIES", 0, hint=": the reverse proxies in front of the app, usually 1"
        ),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,  # a form left open over a long day must still save
        # Strict-Transport-Security max-age, sent on https responses in production only (0:
        # never); read everywhere, so that a wrong value is told before production.
        "HSTS_SECONDS": env.integer(
            "HSTS_SECONDS", HSTS_DEFAULT_SECONDS, hint=" seconds; 0 sends no HSTS"
        ),
        # The password-reset request answers after at least this long, whether or not the
        # address has an account, so that the response time does not tell (accounts.views).
        "PASSWORD_RESET_MIN_SECONDS": 0.25,
        "DEMO_ENABLED": False,
        # Where "/" sends a signed-in user, by the first role they hold in this order.
        "LANDING_ENDPOINTS": {
            "respondent": "responses.home",
            "coordinator": "rounds.index",
            "analyst": "results.index",
            "admin": "accounts.people",
        },
        "SCHEDULER_LOCK_FILE": env.raw("SCHEDULER_LOCK_FILE"),  # default: <instance>/scheduler.lock
        # Logs on stderr: "json" (one object per line, for a log collector) or "text"
        # (key=value); either in any case.
        "LOG_FORMAT": env.choice(
            "LOG_FORMAT", "json" if name == "production" else "text", ("json", "text")
        ),
        "LOG_LEVEL": env.choice("LOG_LEVEL", "INFO", LOG_LEVELS),
        # How old the active scheduler's heartbeat may be before /health and `surveys check`
        # say so.
        "SCHEDULER_HEARTBEAT_MAX_AGE": env.integer("SCHEDULER_HEARTBEAT_MAX_AGE", 120, minimum=1),
    }
    if name == "production":
        settings.update(
            SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https"
        )
    else:
        settings["HSTS_SECONDS"] = 0
    if name == "development":
        settings["SECRET_KEY"] = settings["SECRET_KEY"] or "dev-only-not-secret"
        settings["DEMO_ENABLED"] = True
    if name == "testing":
        settings.update(
            TESTING=True,
            SECRET_KEY="test-only-not-secret",  # noqa: S106
            SQLALCHEMY_DATABASE_URI="sqlite://",
            DEMO_ENABLED=True,
            WTF_CSRF_ENABLED=False,  # tests that check CSRF switch it back on
            MAIL_BACKEND="memory",
            PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",  # noqa: S106 - fast hashing in tests only
            PASSWORD_RESET_MIN_SECONDS=0.0,  # the timing test sets its own
        )
    return settings, env.problems


def database_url_problem(url: str | None) -> str | None:
    """Why DATABASE_URL cannot work (None: it can, or it is not set). The URL itself is never
    repeated: it may hold a password."""
    if not url:
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        driver = make_url(url).drivername
    except ArgumentError:
        return f"DATABASE_URL: not a database URL; expected {DATABASE_URL_EXAMPLE}"
    if driver in ("postgresql+psycopg", "sqlite", "sqlite+pysqlite"):
        return None
    if driver == "postgres":
        return (
            f"DATABASE_URL: postgres:// is not a name SQLAlchemy knows; write "
            f"{DATABASE_URL_EXAMPLE}"
        )
    if driver.startswith("postgresql"):
        named = driver.partition("+")[2] or "psycopg2"  # SQLAlchemy's default PostgreSQL driver
        return (
            f"DATABASE_URL: {driver}:// uses the {named} driver, which the platform does not "
            f"install; write {DATABASE_URL_EXAMPLE} (psycopg 3)"
        )
    return (
        f"DATABASE_URL: {driver}:// is not supported; write {DATABASE_URL_EXAMPLE} "
        "(or sqlite:////path/to/file.db for a trial)"
    )


SECRET_EXAMPLE = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'  # noqa: S105


def secret_problem(secret: str | None) -> str | None:
    secret = secret or ""
    if secret in WEAK_SECRETS or len(secret) < MIN_SECRET_LENGTH:
        return (
            f"SECRET_KEY: must be a random string of at least {MIN_SECRET_LENGTH} "
            f"characters in production (e.g. {SECRET_EXAMPLE})."
        )
    if len(set(secret)) < MIN_SECRET_DISTINCT_CHARACTERS:
        return (
            f"SECRET_KEY: only {len(set(secret))} different characters, so not random; "
            f"make one with {SECRET_EXAMPLE}"
        )
    return None


def production_problems(config: Mapping) -> list[str]:
    """What a production configuration must never run with (startup refuses it)."""
    problems = []
    secret = secret_problem(config.get("SECRET_KEY"))
    if secret:
        problems.append(secret)
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        problems.append("DATABASE_URL: must be set in production (postgresql+psycopg://...).")
    return problems


def check_production_settings(config: Mapping) -> None:
    """Refuse to run production with a missing or well-known secret or without a database URL."""
    problems = production_problems(config)
    if problems:
        raise StartupError(problems)
