"""Bazaar settings: one module, every deployment knob read from the environment.

Development defaults are marked as such. With DEBUG off the project refuses to start
without a SECRET_KEY and turns on the secure-cookie / HTTPS / HSTS settings that
``manage.py check --deploy`` asks for.
"""

import shutil
from pathlib import Path

import dj_database_url
import dj_email_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------- core
DEBUG = env_bool("DEBUG", default=False)
# Card numbers and CVCs are cleansed from error reports with DEBUG on too.
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.error_reports.AlwaysSafeExceptionReporterFilter"

# DEVELOPMENT ONLY: a fixed key so `make run` works out of the box. Never used with DEBUG off.
_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

# ---------------------------------------------------------------------- apps
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "bootstrap",  # Bootstrap 5 css/js as static files (django-bootstrap-static), no CDN
    "crispy_forms",
    "crispy_bootstrap5",
    "django_countries",
    "axes",
    "captcha",
    "csp",
    "import_export",  # CSV exports of support's order, payment and refund lists
]
LOCAL_APPS = [
    "core",
    "accounts",
    "shop",
    "wallet",
    "wallet.gateways",
    "support",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the path: a NUL or control character in it is a 400, never a
    # database error.
    "core.middleware.RefuseControlCharactersMiddleware",
    # django-csp's, with the header of settings built once per process.
    "core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's LocaleMiddleware, reading the language only from the switcher's cookie: see
    # core.middleware.LocaleMiddleware.
    "core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Sees every final response (django-axes' 429 included): 404s of signed-in users and
    # 429s go to the security log.
    "core.middleware.SecurityEventMiddleware",
    # Cache-Control: no-store on account, wallet, checkout, order and admin pages.
    "core.middleware.NoStoreMiddleware",
    # Staff sessions end after STAFF_SESSION_IDLE_MINUTES without a request.
    "accounts.middleware.StaffIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "shop.context_processors.cart_summary",
            ],
        },
    },
]

# ----------------------------------------------------------------------- data
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", default=60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: wait for a writer instead of failing at once with "database is locked".
    # Every transaction takes the write lock as it begins (IMMEDIATE): one that began as
    # a reader and then wrote while another wrote failed at once, whatever the timeout
    # (two tabs pressing Pay together had one of them answered with a 500).
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg 3 sends the values apart from the SQL (server-side binding) and prepares a
    # statement the DB_PREPARE_THRESHOLD-th time a connection runs it: PostgreSQL then
    # parses and plans each of the pages' few query shapes once per connection, not on
    # every request (persistent connections: CONN_MAX_AGE). Behind a PgBouncer in
    # transaction mode, set DB_PREPARE_THRESHOLD to "" (no prepared statements).
    _threshold = env_str("DB_PREPARE_THRESHOLD", default="5")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=int(_threshold) if _threshold else None,
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_cache_url = env_str("CACHE_URL", default="") or env_str("REDIS_URL", default="")
if _cache_url:
    CACHES = {
        "default": {
            # Django's, keeping its Redis client instead of making one per call (core.cache).
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": "bazaar",
        }
    }
else:
    # DEVELOPMENT / TESTS ONLY: per-process memory. Set REDIS_URL when running more than
    # one process so rate limits are shared.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


# Sessions live in the database; with a shared cache (REDIS_URL) they are read from it and
# written through to the database ("cached_db"), so every app server sees every session and
# none is lost when the cache restarts. core.sessions' stores are Django's, reading the
# database with SQL compiled once per process. SESSION_ENGINE overrides, e.g.
# django.contrib.sessions.backends.cache to keep them in Redis alone.
SESSION_ENGINE = env_str(
    "SESSION_ENGINE",
    default="core.sessions.cached_db" if _cache_url else "core.sessions.db",
)

# ----------------------------------------------------------------------- auth
AUTH_USER_MODEL = "accounts.User"
# The backend that checks passwords and loads the signed-in user on each request: Django's
# ModelBackend, bringing the shopper's cart unit count (the header badge) in the same query.
SIGN_IN_BACKEND = "shop.auth.ShopperBackend"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out attempts
    SIGN_IN_BACKEND,
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "shop:home"
LOGOUT_REDIRECT_URL = "shop:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3

# Staff passwords (PCI DSS 8.3.6): longer, with letters and digits; shoppers keep the above.
STAFF_PASSWORD_MIN_LENGTH = env_int("STAFF_PASSWORD_MIN_LENGTH", default=12)
AUTH_PASSWORD_VALIDATORS.append(
    {
        "NAME": "accounts.password_validation.StaffPasswordValidator",
        "OPTIONS": {"min_length": STAFF_PASSWORD_MIN_LENGTH},
    }
)
# Staff sessions end after this many idle minutes (accounts.middleware); shoppers keep
# Django's two-week session.
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", default=15)

# django-axes: 5 failures lock the (account, client address) pair for a cool-off period,
# so nobody can lock another person out from elsewhere. Staff accounts (PCI DSS 8.3.4):
# 10 failures from anywhere lock the account for 30 minutes. accounts/lockout.py picks.
SHOPPER_AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", default=5)
SHOPPER_AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", default=15)
STAFF_AXES_FAILURE_LIMIT = env_int("STAFF_AXES_FAILURE_LIMIT", default=10)
STAFF_AXES_COOLOFF_MINUTES = env_int("STAFF_AXES_COOLOFF_MINUTES", default=30)
AXES_FAILURE_LIMIT = "accounts.lockout.lockout_failure_limit"
AXES_COOLOFF_TIME = "accounts.lockout.lockout_cooloff"
AXES_LOCKOUT_PARAMETERS = "accounts.lockout.lockout_parameters"
# Each attempt keeps its own expiry: with two cool-offs, axes' time-threshold sweep would
# otherwise delete staff attempts after the shoppers' shorter cool-off.
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_USERNAME_FORM_FIELD = "username"
# Count failures per account whatever the case of the typed email (see accounts/lockout.py).
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
# The client address: REMOTE_ADDR, unless the app runs behind TRUSTED_PROXY_COUNT reverse
# proxies (load balancers) that append to X-Forwarded-For; without this, behind a balancer
# every visitor would share its address and the lockout would be per account only.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_VERBOSE = False
# Keep every failed login (with whether it locked the account out) for support's customer
# view; AccessAttempt rows are reset by a successful login.
AXES_ENABLE_ACCESS_FAILURE_LOG = True

# ---------------------------------------------------------------- i18n & static
# English is the default and the language of the contract's labels; Russian is offered by
# the footer's switcher (a cookie, stored on the account and applied at login) and letters go
# out in the account's language. URLs carry no language prefix.
LANGUAGE_CODE = "en-us"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Hashed, compressed static files need `collectstatic`; on by default in production.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=True)

# django-countries: Kosovo's user-assigned code, which couriers and banks accept; and
# Nauru by its English name (django-countries 9.1 calls it "Naoero", its own name for
# itself, in English).
COUNTRIES_OVERRIDE = {"XK": gettext_lazy("Kosovo"), "NR": gettext_lazy("Nauru")}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# ----------------------------------------------------------------------- email
_email_url = env_str("EMAIL_URL", default="console://" if DEBUG else "")
if _email_url:
    vars().update(dj_email_url.parse(_email_url))
else:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="Bazaar <no-reply@bazaar.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A mail server that hangs must not hold a worker for ever (Django's default is no timeout).
if globals().get("EMAIL_TIMEOUT") is None:
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", default=10)
# Every letter goes through the outbox (core.letters): written with the change it reports,
# sent by a task after commit. A failed send is tried again after LETTER_RETRY_BASE_SECONDS,
# doubling each time, up to LETTER_MAX_ATTEMPTS tries; a letter whose task was lost is
# picked up by the send_pending_letters sweep.
LETTER_MAX_ATTEMPTS = env_int("LETTER_MAX_ATTEMPTS", default=8)
LETTER_RETRY_BASE_SECONDS = env_int("LETTER_RETRY_BASE_SECONDS", default=30)

# -------------------------------------------------------------------- security
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): scripts and styles only from our own static files
# (no inline <script>, no style attributes, no eval), images from us plus the data: URIs
# Bootstrap's CSS draws its icons with, forms post only to us, nobody may frame the site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}
# Cache-Control: no-store (core.middleware.NoStoreMiddleware) on every page of these URL
# namespaces and on these named pages: they show or take card, payment, address or account
# data. Catalog pages stay cacheable.
NO_STORE_URL_NAMESPACES = ["accounts", "wallet", "admin"]
NO_STORE_URL_NAMES = [
    "shop:checkout",
    "shop:order-list",
    "shop:order-detail",
    "shop:order-pay",
    "shop:order-authenticate",
    "shop:order-cancel",
]
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # The balancer polls /health/ over plain HTTP on the private network.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=True)
    LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --------------------------------------------------------------------- logging
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json_line": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "security": {"class": "logging.StreamHandler", "formatter": "json_line"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The security log (core/security_log.py): one JSON object per line, on its own
        # stream so a log shipper can route it; always at INFO, whatever LOG_LEVEL says.
        "security": {"handlers": ["security"], "level": "INFO", "propagate": False},
    },
}

# ---------------------------------------------------------------------- bazaar
# The payment gateway implementation, by dotted path (see wallet/gateways/base.py).
PAYMENT_GATEWAY = env_str("PAYMENT_GATEWAY", default="wallet.gateways.simulated.SimulatedGateway")
# Key for the card fingerprint HMAC (spots the same card linked twice). Falls back to a
# key derived from SECRET_KEY; set it separately in production so it can outlive key rotation.
CARD_FINGERPRINT_KEY = env_str("CARD_FINGERPRINT_KEY", default="") or f"fingerprint:{SECRET_KEY}"
# How long we wait for the processor before giving up on a call (the answer is then lost,
# whatever the processor did), and how long after its last request a payment or refund may
# still be in flight. Nothing is declared "never received" inside the window, so it must be
# longer than the timeout (a system check refuses otherwise).
PAYMENT_GATEWAY_TIMEOUT_SECONDS = env_int("PAYMENT_GATEWAY_TIMEOUT_SECONDS", default=30)
PAYMENT_SETTLE_WINDOW_SECONDS = env_int("PAYMENT_SETTLE_WINDOW_SECONDS", default=120)
# Simulated gateway fault injection, for tests and demos (wallet/gateways/simulated/faults.py):
# "timeout" (acts, then the answer is lost), "timeout_before" (times out before acting),
# "unreachable" (connection refused: nothing reaches it).
SIMULATED_GATEWAY_FAULT = env_str("SIMULATED_GATEWAY_FAULT", default="")
# Delay every simulated processor call by this many milliseconds, so races have the windows
# a real network gives them.
SIMULATED_GATEWAY_LATENCY_MS = env_int("SIMULATED_GATEWAY_LATENCY_MS", default=0)
# An order waiting for payment keeps its stock this long, then expires.
ORDER_PAYMENT_TIMEOUT_MINUTES = env_int("ORDER_PAYMENT_TIMEOUT_MINUTES", default=30)
WALLET_MAX_CARDS = 10
# Card testing: every card number (or step-up answer) sent to the processor counts. Per
# account at most CARD_ATTEMPTS_PER_10_MINUTES and CARD_ATTEMPTS_PER_DAY, per client address
# CARD_ATTEMPTS_PER_ADDRESS_HOUR; after CARD_DECLINES_BEFORE_CAPTCHA declines in an hour the
# next attempt needs the CAPTCHA; at most CARD_NEW_LINKS_PER_DAY new cards linked a day.
CARD_ATTEMPTS_PER_10_MINUTES = env_int("CARD_ATTEMPTS_PER_10_MINUTES", default=5)
CARD_ATTEMPTS_PER_DAY = env_int("CARD_ATTEMPTS_PER_DAY", default=15)
CARD_ATTEMPTS_PER_ADDRESS_HOUR = env_int("CARD_ATTEMPTS_PER_ADDRESS_HOUR", default=20)
CARD_DECLINES_BEFORE_CAPTCHA = env_int("CARD_DECLINES_BEFORE_CAPTCHA", default=3)
CARD_NEW_LINKS_PER_DAY = env_int("CARD_NEW_LINKS_PER_DAY", default=3)
# Adding or removing a card needs the password entered within this many minutes.
WALLET_REAUTH_MINUTES = 15
WALLET_CONFIRMATION_MAX_AGE = 60 * 60 * 24
CURRENCY = "USD"
# The site's public origin, for links in emails (core/links.py: absolute_url). DEVELOPMENT
# DEFAULT: set SITE_URL (e.g. https://bazaar.example) in every other deployment.
SITE_URL = env_str("SITE_URL", default="http://127.0.0.1:8000")

# Stored security events (core.SecurityEvent, support's customer view) are kept this long;
# `manage.py prune_security_events` (daily) deletes older ones. PCI DSS 10.5.1: a year.
SECURITY_EVENT_RETENTION_DAYS = env_int("SECURITY_EVENT_RETENTION_DAYS", default=365)
# Events any client causes at will (a 404 while signed in, a 429, a URL with a control
# character): each is logged, and stored as a row at most this often a minute per address.
SECURITY_PROBE_EVENTS_STORED_PER_MINUTE = env_int(
    "SECURITY_PROBE_EVENTS_STORED_PER_MINUTE", default=30
)

# Rows anonymous visitors can make, bounded per client address and hour: visitor carts
# (shop/cart_session.py) and CAPTCHA refreshes (config/urls.py). Over the limit: a 429 page.
ANONYMOUS_CART_LIMIT_PER_HOUR = env_int("ANONYMOUS_CART_LIMIT_PER_HOUR", default=30)
CAPTCHA_REFRESH_LIMIT_PER_HOUR = env_int("CAPTCHA_REFRESH_LIMIT_PER_HOUR", default=30)
CAPTCHA_AUDIO_LIMIT_PER_HOUR = env_int("CAPTCHA_AUDIO_LIMIT_PER_HOUR", default=30)

# The CAPTCHA read aloud, the picture's alternative for those who can't see it: needs
# Debian's flite (apt-get install flite sox; sox mixes in noise so bots gain nothing).
# Without flite the page offers no audio and says to ask support instead.
CAPTCHA_FLITE_PATH = env_str("CAPTCHA_FLITE_PATH", default=shutil.which("flite") or "") or None
CAPTCHA_SOX_PATH = env_str("CAPTCHA_SOX_PATH", default=shutil.which("sox") or "") or None

# The CAPTCHA accepts "PASSED" only when the environment says so (tests, local e2e runs).
CAPTCHA_TEST_MODE = env_bool("CAPTCHA_TEST_MODE", default=False)

# ------------------------------------------------------ background work (Celery)
# Letters and the periodic jobs run on Celery (config/celery.py) with Redis as the broker.
# No CELERY_BROKER_URL (make run, make test): every task runs eagerly in-process, so the
# zero-setup default needs no Redis. Production sets the broker and runs a worker and beat.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
# An eager task's failure is its own (recorded on the letter, logged), never the request's.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# A task is acknowledged after it ran, so one lost with its worker is delivered again; each
# worker process takes one task at a time so a slow letter doesn't hold others back.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queueing happens after commit inside a request: give up quickly when the broker is down
# (the send_pending_letters sweep sends the letter later) rather than keep the shopper waiting.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
_EVERY_5_MINUTES = 5 * 60.0
# How often beat runs the letter sweep (the cluster bench shortens it to see it work).
LETTER_SWEEP_SECONDS = env_int("LETTER_SWEEP_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    # Every few minutes (README "Operations").
    "reconcile-payments": {"task": "shop.tasks.reconcile_payments", "schedule": _EVERY_5_MINUTES},
    "expire-unpaid-orders": {
        "task": "shop.tasks.expire_unpaid_orders",
        "schedule": _EVERY_5_MINUTES,
    },
    "send-pending-letters": {
        "task": "core.tasks.send_pending_letters",
        "schedule": float(LETTER_SWEEP_SECONDS),
    },
    # Nightly.
    "audit-money": {"task": "shop.tasks.audit_money", "schedule": crontab(hour=2, minute=30)},
    "clear-stale-carts": {
        "task": "shop.tasks.clear_stale_carts",
        "schedule": crontab(hour=3, minute=0),
    },
    "clearsessions": {"task": "core.tasks.clearsessions", "schedule": crontab(hour=3, minute=15)},
    "prune-security-events": {
        "task": "core.tasks.prune_security_events",
        "schedule": crontab(hour=3, minute=30),
    },
    # Daily, for saved cards.
    "update-cards-from-issuers": {
        "task": "wallet.tasks.update_cards_from_issuers",
        "schedule": crontab(hour=4, minute=0),
    },
    "send-card-expiry-reminders": {
        "task": "wallet.tasks.send_card_expiry_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
}
