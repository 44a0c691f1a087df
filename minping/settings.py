"""Settings for minping, read from the environment.

Without any environment an SQLite database in the data directory is used, so the
demo runs on a machine that has only Python. ``DATABASE_URL`` selects PostgreSQL
for a city- or province-wide installation.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("MINPING_DATA_DIR", BASE_DIR / "data"))


def envbool(name: str, default: str) -> bool:
    return os.environ.get(name, default).lower() in ("1", "true", "yes", "on")


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret-change-me")
DEBUG = envbool("DEBUG", "False")
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "ninja",  # serves the API docs page from local static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "minping.lib",
    "minping.audit",
    "minping.orgs",
    "minping.campaigns",
    "minping.surveys",
    "minping.oversight",
    "minping.scoring",
    "minping.reports",
    "minping.cases",
    "minping.console",
    "minping.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "minping.orgs.middleware.TemporaryPasswordMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "minping.urls"
WSGI_APPLICATION = "minping.wsgi.application"

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
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
# Uploaded reports, photos and attachments. Never served from a public URL: views that
# check access hand them out one by one.
MEDIA_ROOT = DATA_DIR / "uploads"

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
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
# unguessable from a copy of the database; it falls back to SECRET_KEY.
MINPING_SURVEY_KEY = os.environ.get("MINPING_SURVEY_KEY", "")
# Per-category cells below this many ballots are hidden so that no one can be recognised.
MINPING_CATEGORY_THRESHOLD = int(os.environ.get("MINPING_CATEGORY_THRESHOLD", "5"))
# The address printed on QR codes and invitation links, e.g. https://pingyi.example.gov.cn
MINPING_PUBLIC_URL = os.environ.get("MINPING_PUBLIC_URL", "")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

if REDIS_URL := os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
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
