"""Settings for minping, read from the environment.

Without any environment an SQLite database in the data directory is used, so the
demo runs on a machine that has only Python. ``DATABASE_URL`` selects PostgreSQL
for a city- or province-wide installation. A server is in production unless
``MINPING_ENV=development`` and then refuses to start without its own secrets
(the production block below; README lists every variable).
"""

import os
from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("MINPING_DATA_DIR", BASE_DIR / "data"))


def envbool(name: str, default: str) -> bool:
    return os.environ.get(name, default).lower() in ("1", "true", "yes", "on")


# --- Production safety: secrets, hosts, HTTPS, the audit key (docs/security.md) -----------
# MINPING_ENV is "production" unless set otherwise, and a production server refuses to start
# (ImproperlyConfigured, so gunicorn refuses too, not only `minping check`) on a development
# secret or without its host names. The demo (`minping demo`, see cli.py), the tests
# (conftest.py) and mypy (devsettings.py) run as "development": fixed keys, plain HTTP.
MINPING_ENV = os.environ.get("MINPING_ENV", "production")
if MINPING_ENV not in ("production", "development"):
    raise ImproperlyConfigured(
        f"MINPING_ENV 只能是 production 或 development,而不是“{MINPING_ENV}”。\n"
        f"MINPING_ENV must be production or development, not {MINPING_ENV!r}."
    )
DEVELOPMENT = MINPING_ENV == "development"
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret-change-me"
DEVELOPMENT_AUDIT_KEY = "dev-only-audit-key-not-secret"

SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY if DEVELOPMENT else "")
DEBUG = envbool("DEBUG", "False")
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get(
        "ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEVELOPMENT else ""
    ).split(",")
    if host.strip()
]
# The key of the audit chain's HMAC (audit/models.py). It lives outside the database, so
# that whoever can write the database cannot rewrite the log unnoticed; keep it apart from
# database backups.
MINPING_AUDIT_KEY = os.environ.get(
    "MINPING_AUDIT_KEY", DEVELOPMENT_AUDIT_KEY if DEVELOPMENT else ""
)
# `minping audit anchor` appends the chain's head here each day (and mails it); `minping
# audit verify` checks the chain against every line. Keep copies off this server.
MINPING_AUDIT_ANCHOR_FILE = Path(
    os.environ.get("MINPING_AUDIT_ANCHOR_FILE", DATA_DIR / "audit-anchors.txt")
)

if not DEVELOPMENT:
    _refusals = []
    if DEBUG:
        _refusals.append("生产环境不能开启 DEBUG / DEBUG must be off in production")
    if len(SECRET_KEY) < 50 or SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        _refusals.append(
            "SECRET_KEY 未设置或短于 50 个字符 / SECRET_KEY is unset or shorter than 50 characters"
        )
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        _refusals.append(
            "ALLOWED_HOSTS 未设置:请列出本站的域名,逗号分隔,不能用 * / "
            "ALLOWED_HOSTS must list this site's host names (comma-separated, not *)"
        )
    if len(MINPING_AUDIT_KEY) < 32 or MINPING_AUDIT_KEY == SECRET_KEY:
        _refusals.append(
            "MINPING_AUDIT_KEY 未设置、短于 32 个字符或与 SECRET_KEY 相同 / "
            "MINPING_AUDIT_KEY is unset, shorter than 32 characters or equal to SECRET_KEY"
        )
    if _refusals:
        raise ImproperlyConfigured(
            "生产环境配置不完整,拒绝启动 / Refusing to start in production:\n  - "
            + "\n  - ".join(_refusals)
            + "\n生成密钥 / make a key: "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
            "\n变量说明见 README“生产环境配置” / see README, Production environment."
            "\n演示或开发请设置 / for the demo or development set MINPING_ENV=development"
        )

# HTTPS behind the reverse proxy: on by default in production, off in development (the demo
# serves plain HTTP on 127.0.0.1). `minping check --deploy` is clean with README's settings.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", str(not DEVELOPMENT))
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", str(not DEVELOPMENT))
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", str(not DEVELOPMENT))
SECURE_HSTS_SECONDS = int(
    os.environ.get("SECURE_HSTS_SECONDS", "0" if DEVELOPMENT else str(365 * 24 * 3600))
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", str(not DEVELOPMENT))
# Preloading is hard to undo, so it is asked for explicitly.
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "False")
# The header the proxy sets to say the visitor used HTTPS, e.g. X-Forwarded-Proto. Set it only
# behind a proxy that overwrites the header; otherwise a visitor could claim HTTPS.
if _proxy_header := os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip():
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]
# --- end of production safety -------------------------------------------------------------

INSTALLED_APPS = [
    "minping.lib.apps.AdminConfig",  # Django's admin, read-only (lib/admin.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "minping.lib",
    "minping.audit",
    "minping.orgs",
    "minping.campaigns",
    "minping.surveys",
    "minping.panels",  # the sample library (样本库) and its draws: docs/panels.md
    "minping.oversight",
    "minping.scoring",
    "minping.reports",
    "minping.cases",
    "minping.console",
    "minping.api",
    "minping.ops",
]

# The order matters (docs/security.md):
# - the request id first, so that every response and log line carries it, even a refusal;
# - the Content-Security-Policy around everything else, so that pages other middleware
#   answers (the 400 for control characters, lockout, CSRF failure) carry it too; uploaded
#   files set their own, stricter policy (a sandbox) in minping.lib.downloads;
# - control characters in any input refused with a 400 in Chinese before the session, the
#   CSRF check or any view reads the request;
# - django-axes last, as it asks: it turns a locked-out sign-in into the lockout page.
MIDDLEWARE = [
    "minping.lib.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "minping.lib.csp.ContentSecurityPolicyMiddleware",
    "minping.lib.clean_input.RefuseControlCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "minping.orgs.middleware.TemporaryPasswordMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "minping.urls"
WSGI_APPLICATION = "minping.wsgi.application"

# django-ninja serves the API docs page from its own templates and static files (not a CDN).
# They are added as folders, not "ninja" as an app: an app is imported when Django starts,
# and importing ninja (and pydantic) was a quarter of every command's start-up, `minping
# results` included (docs/performance.md). The API itself imports it with the URLs.
_NINJA = Path(find_spec("ninja").origin).parent  # type: ignore[union-attr,arg-type]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates", _NINJA / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'minping.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_db),
        # Seconds a worker keeps its connection; 0 opens one per request (Django's default).
        conn_max_age=int(os.environ.get("MINPING_DB_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web app read while an import writes; IMMEDIATE avoids
    # "database is locked" when two writers start a transaction together.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("MINPING_TEST_SQLITE", "")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static", _NINJA / "static"]
STATIC_ROOT = DATA_DIR / "static"
# Uploaded reports, photos and attachments. Never served from a public URL: views that
# check access hand them out one by one.
MEDIA_ROOT = DATA_DIR / "uploads"

LOGIN_URL = "/login/"
# Sign-in leads each role to its own page (console.views.home.landing).
LOGIN_REDIRECT_URL = "/console/start/"
LOGOUT_REDIRECT_URL = "/"

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out sign-in before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock a user name from one address after repeated failures; locking by name alone
# would let anyone lock an organiser out, and by address alone would lock a whole
# office behind one NAT.
AXES_FAILURE_LIMIT = int(os.environ.get("MINPING_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("MINPING_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The address is the client's, read through the trusted proxies (see below), as every
# rate limit reads it.
AXES_CLIENT_IP_CALLABLE = "minping.lib.clients.client_address"
AXES_LOCKOUT_TEMPLATE = "orgs/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# A session ends after this long without activity, and always when the browser closes
# on shared office computers that opt in.
SESSION_COOKIE_AGE = int(os.environ.get("MINPING_SESSION_MINUTES", "120")) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "minping.orgs.views.csrf_failure"

# Reminders and escalations. Intranets often have no mail server, so by default each
# message is written to a file in the data directory instead of being lost.
EMAIL_BACKEND = os.environ.get(
    "MINPING_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "False")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "minping@localhost")

# Collection (docs/collection.md). The survey key makes the phone and holder hashes
# unguessable from a copy of the database. With DEBUG off the server refuses to start
# without one of its own (system check minping.E010); with DEBUG on it falls back to
# SECRET_KEY.
MINPING_SURVEY_KEY = os.environ.get("MINPING_SURVEY_KEY", "")
# Minutes the console SMS backend's outbox keeps a message (number, text, time).
MINPING_SMS_OUTBOX_MINUTES = int(os.environ.get("MINPING_SMS_OUTBOX_MINUTES", "15"))
# Per-category cells below this many ballots are hidden so that no one can be recognised.
MINPING_CATEGORY_THRESHOLD = int(os.environ.get("MINPING_CATEGORY_THRESHOLD", "5"))
# The address printed on QR codes and invitation links, e.g. https://pingyi.example.gov.cn
MINPING_PUBLIC_URL = os.environ.get("MINPING_PUBLIC_URL", "")

# --- The sample library (docs/panels.md) ----------------------------------------------------
# What an invitation letter and message name as the issuing office and the telephone number
# people call to check that the survey is genuine. The issue form starts from these (or from
# the last issue in the campaign) and records what was printed with each issue.
MINPING_ISSUING_OFFICE = os.environ.get("MINPING_ISSUING_OFFICE", "")
MINPING_VERIFICATION_PHONE = os.environ.get("MINPING_VERIFICATION_PHONE", "")
# --- end of the sample library --------------------------------------------------------------

# --- Client addresses and rate limits (docs/security.md) ------------------------------------
# How many reverse proxies in front of the server append to X-Forwarded-For (nginx:
# proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for). 0: the header is ignored
# and REMOTE_ADDR is the client, as for a server reached directly.
MINPING_TRUSTED_PROXIES = int(os.environ.get("MINPING_TRUSTED_PROXIES", "0"))


def rate_limits(text: str) -> dict[str, tuple[int, int]]:
    """``window=30/60,code-address=500/900`` → {name: (most, seconds)}; see surveys/limits.py."""
    limits = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        most, _, seconds = value.partition("/")
        if not (name.strip() and most.strip().isdigit() and seconds.strip().isdigit()):
            raise ValueError(f"MINPING_RATE_LIMITS: “{item}” is not name=most/seconds")
        limits[name.strip()] = (int(most), int(seconds))
    return limits


MINPING_RATE_LIMITS = rate_limits(os.environ.get("MINPING_RATE_LIMITS", ""))
# --- end of client addresses and rate limits ------------------------------------------------

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Reports: the analysis report and the unit report cards (docs/reports.md) ----------------
# A folder of the office's own wording templates (reports/analysis/*.txt, reports/card/*.txt),
# searched before the shipped ones.
MINPING_REPORT_TEMPLATES = os.environ.get("MINPING_REPORT_TEMPLATES", "")
# Reports of at most this many units (a PDF card counts 4) are made at once, in the request;
# larger ones by the background worker (minping db_worker).
MINPING_REPORT_INLINE_UNITS = int(os.environ.get("MINPING_REPORT_INLINE_UNITS", "30"))
# Font families per role, replacing minping.reports.fonts.ROLES, e.g.
# {"body": ["仿宋_GB2312", "Noto Serif CJK SC"]}; empty: the defaults.
MINPING_REPORT_FONTS: dict[str, list[str]] = {}
# The hall screen (大屏): seconds between its polls, between turning pages, how long its
# document is kept for every screen, and how long a closed round's ranking is kept.
MINPING_SCREEN_POLL_SECONDS = int(os.environ.get("MINPING_SCREEN_POLL_SECONDS", "15"))
MINPING_SCREEN_PAGE_SECONDS = int(os.environ.get("MINPING_SCREEN_PAGE_SECONDS", "8"))
MINPING_SCREEN_CACHE_SECONDS = int(os.environ.get("MINPING_SCREEN_CACHE_SECONDS", "30"))
MINPING_SCREEN_ROUND_CACHE_SECONDS = int(
    os.environ.get("MINPING_SCREEN_ROUND_CACHE_SECONDS", "600")
)
# Seconds the 工作台 keeps its count of ballots per method.
MINPING_DASHBOARD_CACHE_SECONDS = int(os.environ.get("MINPING_DASHBOARD_CACHE_SECONDS", "60"))
# --- end of reports ---------------------------------------------------------------------------

if REDIS_URL := os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Installations (or test runs) sharing one Redis database keep apart by prefix.
            "KEY_PREFIX": os.environ.get("MINPING_CACHE_PREFIX", ""),
        }
    }

# --- Input and errors (docs/security.md, 接口与输入) ---------------------------------------
# Every request gets an id (kept from a proxy's X-Request-ID when it is a plain token),
# returned in the X-Request-ID header, shown on the error page and written in every log
# line (the middleware is first in MIDDLEWARE above).
# Django's own default logs nothing to the console unless DEBUG is on, so an error in
# production left no trace. Everything goes to stderr (the service manager's journal),
# each line with its request id; an unexpected error with its traceback.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "minping.lib.request_id.RequestIdFilter"}},
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "line",
        }
    },
    "root": {"handlers": ["stderr"], "level": os.environ.get("MINPING_LOG_LEVEL", "INFO")},
    "loggers": {
        # Replaces Django's console handler, which writes only when DEBUG is on.
        "django": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        # Failed sign-ins are warnings; its routine housekeeping is not worth a line.
        "axes": {"level": "WARNING"},
    },
}

# --- Deployment (docs/deploy.md) ---------------------------------------------------------
# Where `minping backup`/`restore` find pg_dump and pg_restore when they are not on PATH,
# e.g. /usr/lib/postgresql/16/bin: they must be at least the database server's version.
MINPING_PG_BIN = os.environ.get("MINPING_PG_BIN", "")
# The SMS gateway (docs/collection.md) from the environment file, like every other setting.
for _sms in ("BACKEND", "OUTBOX", "URL", "TEMPLATE", "CONTENT_TYPE", "OK", "TIMEOUT"):
    if f"MINPING_SMS_{_sms}" in os.environ:
        globals()[f"MINPING_SMS_{_sms}"] = os.environ[f"MINPING_SMS_{_sms}"]
# --- end of deployment settings ----------------------------------------------------------

# --- Imports from the web page (campaigns.import_jobs) ------------------------------------
# Uploaded data files wait here until they are stored or given up; no URL serves this folder.
# The background worker (minping db_worker) must see the same folder as the web server.
MINPING_IMPORT_DIR = Path(os.environ.get("MINPING_IMPORT_DIR", DATA_DIR / "imports"))
# Files of this many rows or more are checked and stored by the background worker.
MINPING_IMPORT_BACKGROUND_ROWS = int(os.environ.get("MINPING_IMPORT_BACKGROUND_ROWS", "100000"))
# A running check or import whose heartbeat is older than this was cut off.
MINPING_IMPORT_STALE_SECONDS = int(os.environ.get("MINPING_IMPORT_STALE_SECONDS", "60"))
# The largest file the page takes (the reverse proxy's client_max_body_size must allow it).
MINPING_IMPORT_MAX_MB = int(os.environ.get("MINPING_IMPORT_MAX_MB", "200"))
