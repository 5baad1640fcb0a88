"""Django settings for Jiandu, read from the environment with safe embedded defaults."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("JIANDU_VAR_DIR", BASE_DIR / "var"))

# "embedded" is one machine with SQLite and generated keys; "production" refuses to start
# until every secret and host is given explicitly.
JIANDU_ENV = os.environ.get("JIANDU_ENV", "embedded")
if JIANDU_ENV not in {"embedded", "production", "test"}:
    raise ImproperlyConfigured(
        f"JIANDU_ENV 只能是 embedded、production 或 test (must be embedded, production or test), "
        f"而不是 {JIANDU_ENV!r}"
    )
PRODUCTION = JIANDU_ENV == "production"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"环境变量 {name} 应为 true/false ({name} must be a boolean): {value!r}")


def _embedded_secrets() -> dict[str, str]:
    """Keys for the embedded mode, generated once and kept in var/ so that data stays readable."""
    path = VAR_DIR / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    values = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "JIANDU_DATA_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(values, fh)
    return values


def _secret(name: str) -> str:
    value = os.environ.get(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"生产环境必须设置环境变量 {name} (production requires the {name} environment variable)"
        )
    if JIANDU_ENV == "test":
        return {
            "SECRET_KEY": "test-secret-key-not-for-production-0123456789abcdef",
            "JIANDU_DATA_KEY": base64.b64encode(b"t" * 32).decode(),
        }[name]
    return _embedded_secrets()[name]


SECRET_KEY = _secret("SECRET_KEY")
# The key that encrypts personal data (身份证号, phone numbers) at rest: 32 bytes, base64.
JIANDU_DATA_KEY = _secret("JIANDU_DATA_KEY")
try:
    if len(base64.b64decode(JIANDU_DATA_KEY, validate=True)) != 32:
        raise ValueError
except ValueError as exc:
    raise ImproperlyConfigured(
        "JIANDU_DATA_KEY 必须是 32 字节密钥的 base64 编码 (must be base64 of a 32-byte key)"
    ) from exc

# The ledger (全过程记录存证). The log's signing key is a signed-note key file, generated on first
# use in the embedded mode; production must create it beforehand with `jiandu ledger keys`.
# The test suite keeps its key out of var/ (tests that sign set their own file).
JIANDU_LEDGER_KEY_FILE = os.environ.get(
    "JIANDU_LEDGER_KEY_FILE",
    str(Path(tempfile.gettempdir()) / "jiandu-test-ledger.key" if JIANDU_ENV == "test"
        else VAR_DIR / "ledger.key"))
JIANDU_LEDGER_ALG = os.environ.get("JIANDU_LEDGER_ALG", "ed25519")
if JIANDU_LEDGER_ALG not in {"ed25519", "sm2"}:
    raise ImproperlyConfigured(
        f"JIANDU_LEDGER_ALG 只能是 ed25519 或 sm2 (must be ed25519 or sm2), 而不是 {JIANDU_LEDGER_ALG!r}"
    )
JIANDU_LEDGER_ORIGIN = os.environ.get("JIANDU_LEDGER_ORIGIN", "jiandu.local/ledger")
JIANDU_CHECKPOINT_SECONDS = float(os.environ.get("JIANDU_CHECKPOINT_SECONDS", "5"))
# Witnesses (notary offices): a JSON list of {"name", "url", "key"}, key being the witness's
# verifier key string.
# Embedded mode falls back to var/witnesses.json, which `jiandu demo` writes for its notary.
_WITNESSES_FILE = VAR_DIR / "witnesses.json"
try:
    JIANDU_WITNESSES = json.loads(os.environ.get("JIANDU_WITNESSES") or (
        _WITNESSES_FILE.read_text(encoding="utf-8")
        if JIANDU_ENV == "embedded" and _WITNESSES_FILE.exists() else "[]"))
except ValueError as exc:
    raise ImproperlyConfigured(
        "JIANDU_WITNESSES 应为 JSON 列表 (must be a JSON list of {name, url, key})"
    ) from exc
# RFC 3161 timestamps of checkpoints, when a TSA is configured: its URL and its certificate (PEM).
JIANDU_TSA_URL = os.environ.get("JIANDU_TSA_URL", "")
JIANDU_TSA_CERT = os.environ.get("JIANDU_TSA_CERT", "")
# `jiandu check` on PostgreSQL: rules run side by side on this many connections (1: one after
# another on the check's own). See jiandu/monitoring/parallel.py.
JIANDU_RULE_WORKERS = int(os.environ.get("JIANDU_RULE_WORKERS", "2"))
# `jiandu check` runs from a timer (README): when no run has finished for this many hours, the
# alert list and the home page tell supervisors that new data goes unchecked (0: never).
JIANDU_RULES_OVERDUE_HOURS = float(os.environ.get("JIANDU_RULES_OVERDUE_HOURS", "48"))

DEBUG = _env_bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("生产环境不得开启 DEBUG (DEBUG must be off in production)")

_hosts = os.environ.get("ALLOWED_HOSTS")
if _hosts:
    ALLOWED_HOSTS = [h.strip() for h in _hosts.split(",") if h.strip()]
elif PRODUCTION:
    raise ImproperlyConfigured(
        "生产环境必须设置 ALLOWED_HOSTS (production requires ALLOWED_HOSTS, comma-separated)"
    )
else:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

_default_db = f"sqlite:///{VAR_DIR / 'jiandu.sqlite3'}"
# An empty DATABASE_URL (a blank line in an env file) counts as unset.
DATABASE_URL = os.environ.get("DATABASE_URL") or _default_db
if PRODUCTION and not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured(
        "生产环境必须设置 DATABASE_URL (production requires DATABASE_URL, e.g. postgres://…)"
    )
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL 无法解析 (cannot parse DATABASE_URL): {exc}") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets readers (the web) go on while an import writes; IMMEDIATE avoids
    # upgrade deadlocks between two writers.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    pg_test_name = os.environ.get("JIANDU_TEST_DB_NAME")
    if pg_test_name:
        DATABASES["default"]["TEST"] = {"NAME": pg_test_name}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    # The admin's registrations are loaded with the URLs (admin.autodiscover in jiandu/urls.py),
    # which only the site needs: every command would otherwise import every app's admin module.
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "jiandu.core",
    "jiandu.accounts",
    "jiandu.org",
    "jiandu.powers",
    "jiandu.records",
    "jiandu.monitoring",
    "jiandu.ledger",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Keeps a signed-in user on the two-factor and password-change pages until they are done.
    "jiandu.accounts.middleware.SignInGateMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "jiandu.urls"
WSGI_APPLICATION = "jiandu.wsgi.application"
ASGI_APPLICATION = "jiandu.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jiandu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jiandu.accounts.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "jiandu.accounts.passwords.PasswordHistoryValidator", "OPTIONS": {"history": 5}},
]
# Argon2id first (memory-hard); PBKDF2 stays to verify and upgrade older hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if JIANDU_ENV == "test":
    # Fast hashing keeps the suite quick; real deployments use Argon2.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "jiandu" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# django-ninja's bundled Swagger UI files (the API docs page, jiandu/api.py), found by path rather
# than by listing "ninja" as an app: importing it, pydantic with it, costs every command 0.1 s,
# though only the site's API uses it. find_spec locates the package without importing it.
STATICFILES_DIRS = [Path(importlib.util.find_spec("ninja").submodule_search_locations[0]) / "static"]
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"

# 30 idle minutes end a session (GB/T 22239 level 3): the expiry moves on with every request.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
# A refused form gets the platform's page, in Chinese (Django's is a debugging page).
CSRF_FAILURE_VIEW = "jiandu.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# HSTS and the HTTPS redirect are on in production behind TLS; the proxy sets X-Forwarded-Proto.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

from csp.constants import NONCE, NONE, SELF  # noqa: E402

# Scripts only from our own origin or with the per-request nonce; no CDN anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
