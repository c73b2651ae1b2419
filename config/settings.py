"""One settings module, driven by environment variables.

A fresh clone runs on SQLite under ``var/`` with no variables set; ``DATABASE_URL``
switches to PostgreSQL; ``DJANGO_ENV=production`` turns on every deployment check.
Secrets come from the environment, from ``<NAME>_FILE``, or (outside production) are
generated once into ``var/``.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MEANINGFLOW_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

ENVIRONMENTS = ("development", "production", "test")
ENVIRONMENT = os.environ.get("DJANGO_ENV", "development")
if ENVIRONMENT not in ENVIRONMENTS:
    raise ImproperlyConfigured(f"DJANGO_ENV must be one of {ENVIRONMENTS}, not {ENVIRONMENT!r}")
PRODUCTION = ENVIRONMENT == "production"


def env_bool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_secret(name: str, generate) -> str:
    """A secret from NAME, from the file named by NAME_FILE, or generated into var/."""
    if os.environ.get(name):
        return os.environ[name]
    if os.environ.get(f"{name}_FILE"):
        return Path(os.environ[f"{name}_FILE"]).read_text().strip()
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) must be set in production")
    path = VAR_DIR / name.lower()
    if not path.exists():
        # Written once with owner-only permissions; later runs reuse it so that
        # sessions, encrypted fields and keyed hashes stay readable.
        path.touch(mode=0o600)
        path.write_text(generate())
    return path.read_text().strip()


SECRET_KEY = env_secret("DJANGO_SECRET_KEY", lambda: secrets.token_urlsafe(64))
# Fernet keys for sensitive fields, newest first (comma-separated) so keys can rotate.
FIELD_ENCRYPTION_KEYS = env_secret("MEANINGFLOW_FIELD_KEYS", lambda: Fernet.generate_key().decode()).split(",")
# Key of the HMAC that makes identity numbers unique without storing them in clear.
IDENTITY_HASH_KEY = env_secret("MEANINGFLOW_HASH_KEY", lambda: secrets.token_hex(32))

DEBUG = env_bool("DJANGO_DEBUG", "0")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production")

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "meaningflow.core",
    "meaningflow.places",
    "meaningflow.accounts",
    "meaningflow.ledger",
    "meaningflow.conversations",
    "meaningflow.reviews",
    "meaningflow.needs",
    "meaningflow.resources",
    "meaningflow.assistance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # NUL characters in the path, query, cookies or form data: 400 before any view runs.
    "meaningflow.core.middleware.RejectNulMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # PR-4: staff sessions pass a second factor (django-otp) before anything else.
    "django_otp.middleware.OTPMiddleware",
    "meaningflow.accounts.two_factor.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "meaningflow.core.middleware.LargeTypeMiddleware",
    # A service that gave up on a contended database (core.transactions.Busy): a 503 page.
    "meaningflow.core.middleware.BusyMiddleware",
    # Axes last, as its documentation asks: it reacts to failed logins above it.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# PR-4: the name authenticator apps show next to the staff member's codes.
OTP_TOTP_ISSUER = "Meaning Flow Network"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "meaningflow" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "meaningflow.core.context_processors.platform",
                "meaningflow.accounts.context_processors.roles",
                "meaningflow.conversations.context_processors.unread_messages",
            ],
            # The date and time filters, made safe: a value that cannot be shown in local
            # time (a bad stored date) renders as nothing instead of failing the page.
            "builtins": ["meaningflow.core.templatetags.safe_dates"],
        },
    }
]

# --- Database -------------------------------------------------------------------------
# Persistent connections: a new connection per request halves the throughput of a page
# that queries (measured on this machine), so connections live for ten minutes.
CONN_MAX_AGE = env_int("DJANGO_CONN_MAX_AGE", 600)
SQLITE_PATH = VAR_DIR / "meaningflow.sqlite3"
_database_url = os.environ.get("DATABASE_URL", "").strip()
if _database_url:
    try:
        DATABASES = {
            "default": dj_database_url.parse(_database_url, conn_max_age=CONN_MAX_AGE, conn_health_checks=True)
        }
    except Exception as exc:  # dj-database-url raises a bare ValueError subclass
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the
                # busy timeout instead of failing with "database is locked" on upgrade.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                # WAL: readers never wait for the writer; NORMAL: no fsync per commit in WAL
                # (durable at checkpoints). Memory-mapped reads and in-memory temporary
                # tables (discovery's staging tables) spare system calls on large reads.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA mmap_size=268435456; PRAGMA temp_store=MEMORY;"
                ),
            },
            "TEST": {"NAME": os.environ.get("MEANINGFLOW_TEST_SQLITE") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Identity -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "core:home"
# Login throttling (PR-4): five failures lock the username+address pair for an hour.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLED = env_bool("AXES_ENABLED", "1")

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "mf_language"

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing root before collectstatic
STATICFILES_DIRS = [BASE_DIR / "meaningflow" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", "0" if PRODUCTION else "1")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if ENVIRONMENT != "test"
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = ENVIRONMENT == "test"

# Bad input: an oversized request body is refused before it is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)

# --- Cache ----------------------------------------------------------------------------
# Shared by every process: API rate limits and the identity-check throttle. The database by
# default (`manage.py createcachetable`, run by `make run`); Redis (redis://…, needs the
# redis package) or memcached (memcached://host:port, needs pymemcache) through CACHE_URL.
_cache_url = os.environ.get("CACHE_URL", "").strip()
if not _cache_url:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "mf_cache"}}
elif _cache_url.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}}
elif _cache_url.startswith("memcached://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": _cache_url.removeprefix("memcached://"),
        }
    }
else:
    raise ImproperlyConfigured(f"CACHE_URL must start with redis://, rediss:// or memcached://, not {_cache_url!r}")

# API rate limits (requests/period per address for anonymous calls, per user or registry
# client otherwise); an empty value switches a limit off. Off by default in tests, whose
# own rate-limit tests set them.
API_THROTTLE_RATES = {
    "anon": os.environ.get("API_THROTTLE_ANON", "" if ENVIRONMENT == "test" else "120/min"),
    "user": os.environ.get("API_THROTTLE_USER", "" if ENVIRONMENT == "test" else "600/min"),
}
# Identity checks (ID-2): failed attempts allowed per hour, per account and per address,
# before further attempts are refused (stops probing which documents are registered).
IDENTITY_VERIFY_FAILURES_PER_USER = env_int("IDENTITY_VERIFY_FAILURES_PER_USER", 5)
IDENTITY_VERIFY_FAILURES_PER_IP = env_int("IDENTITY_VERIFY_FAILURES_PER_IP", 20)

# --- E-mail ---------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", "0")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Meaning Flow <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background jobs (django-tasks) ---------------------------------------------------
# The database backend needs no broker; a real broker backend (e.g. django-tasks-rq)
# replaces it by setting TASKS_BACKEND.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if ENVIRONMENT == "test"
            else "django_tasks_db.DatabaseBackend",
        )
    }
}

# A task RUNNING longer than this, or a job run without progress for this long, was left
# by a worker that died; ``jobs_recover_stale`` (periodic, and at each worker restart)
# marks it failed and re-enqueues periodic jobs.
TASKS_STALE_AFTER_SECONDS = int(os.environ.get("TASKS_STALE_AFTER_SECONDS", 3 * 3600))
JOBS_STALE_AFTER_SECONDS = int(os.environ.get("JOBS_STALE_AFTER_SECONDS", 1800))

# --- Ledger tamper evidence (docs/LEDGER.md "Published checkpoints", "Key rotation") -----
# Every signed checkpoint is also published here, outside the database, as create-only
# files: mount it from storage the database's users cannot rewrite.
LEDGER_CHECKPOINT_DIR = Path(os.environ.get("LEDGER_CHECKPOINT_DIR", VAR_DIR / "ledger-checkpoints"))
# The checkpoint signing key's seed (64 hex characters); derived from SECRET_KEY when unset.
LEDGER_SIGNING_SEED = os.environ.get("LEDGER_SIGNING_SEED", "").strip() or (
    Path(os.environ["LEDGER_SIGNING_SEED_FILE"]).read_text().strip()
    if os.environ.get("LEDGER_SIGNING_SEED_FILE")
    else ""
)
# Public keys (hex, comma-separated) the ledger signed with before: their checkpoints verify.
LEDGER_RETIRED_PUBLIC_KEYS = [
    k.strip().lower() for k in os.environ.get("LEDGER_RETIRED_PUBLIC_KEYS", "").split(",") if k.strip()
]
for _name, _keys in (
    ("LEDGER_SIGNING_SEED", [LEDGER_SIGNING_SEED] if LEDGER_SIGNING_SEED else []),
    ("LEDGER_RETIRED_PUBLIC_KEYS", LEDGER_RETIRED_PUBLIC_KEYS),
):
    for _key in _keys:
        if len(_key) != 64 or any(c not in "0123456789abcdefABCDEF" for c in _key):
            raise ImproperlyConfigured(f"{_name} must be 64 hexadecimal characters per key")

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag instead
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", "1")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

if ENVIRONMENT == "test":
    # Fast hashing in tests only; production and demo use Argon2.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

PLATFORM_NAME = _("Meaning Flow Network")

# Periodic jobs run by `manage.py scheduler` (started by `make run`): command → seconds.
PERIODIC_JOBS: dict[str, int] = {
    "ledger_seal": 60,
    "core_idempotency_purge": 3600,
    "jobs_recover_stale": 600,
    "ledger_expire_holds": 300,
    "ledger_decay": 86400,
    "ledger_verify": 86400,
    "ledger_trust_refresh": 86400,
    "ledger_credit_pending": 3600,
    "reviews_reveal_due": 3600,
    "needs_expire": 300,
    "needs_auto_confirm": 3600,
    "resources_expire_requests": 300,
    "resources_start_stays": 300,
    "resources_autocomplete": 3600,
    "resources_idle_prompt": 86400,
    "assistance_discover": 86400,
    "assistance_warnings": 86400,
}

# Shared World map: tiles are off by default (closed networks); markers still show.
RESOURCES_MAP_TILES_URL = os.environ.get("RESOURCES_MAP_TILES_URL", "")
RESOURCES_MAP_TILES_ATTRIBUTION = os.environ.get("RESOURCES_MAP_TILES_ATTRIBUTION", "")

# Content-Security-Policy (PR-4, django-csp): scripts and styles from this site only — no
# inline script, no style attribute, no eval — so an injected <script> cannot run. Map
# tiles, when configured, are the one other image origin. The admin (staff only; Django's
# own templates) is left out.
_tiles = urlsplit(RESOURCES_MAP_TILES_URL.replace("{s}.", "subdomain."))
_tile_host = _tiles.netloc.replace("subdomain.", "*.", 1)  # Leaflet's {s} subdomains
_tile_origin = [f"{_tiles.scheme}://{_tile_host}"] if _tiles.netloc else []
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *_tile_origin],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Government co-construction (assistance app): SMS/e-mail provider for pushes and import limits.
ASSISTANCE_MESSAGE_PROVIDER = os.environ.get(
    "ASSISTANCE_MESSAGE_PROVIDER", "meaningflow.assistance.providers.ConsoleProvider"
)
ASSISTANCE_IMPORT_MAX_ROWS = env_int("ASSISTANCE_IMPORT_MAX_ROWS", 200_000)
ASSISTANCE_IMPORT_MAX_BYTES = env_int("ASSISTANCE_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
ASSISTANCE_WARNINGS = {"low_participation_days": 30, "stalled_cv_days": 60, "interrupted_days": 90}
# Provinces (GB/T 2260 prefixes, e.g. "43") whose regional rules replace the national ones
# (docs/RULES.md); none by default: a regional restatement applies only when switched on.
ASSISTANCE_REGIONAL_RULES = [
    code.strip() for code in os.environ.get("ASSISTANCE_REGIONAL_RULES", "").split(",") if code.strip()
]
for _code in ASSISTANCE_REGIONAL_RULES:
    if not (len(_code) == 2 and _code.isdigit()):
        raise ImproperlyConfigured(f"ASSISTANCE_REGIONAL_RULES must list two-digit province codes, not {_code!r}")
