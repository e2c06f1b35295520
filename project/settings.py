"""Crewbase settings: one module, every value from the environment (see .env.example)."""

import base64
import hashlib
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Real environment variables win over the file; CREWBASE_ENV_FILE picks another file.
environ.Env.read_env(env.str("CREWBASE_ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)
# The embedded mode's files (SQLite database, filesystem broker, file cache, uploads).
DATA_DIR = Path(env("DATA_DIR", default="") or BASE_DIR / "data")

INSECURE_SECRET_KEY = "insecure-dev-key-change-me"  # noqa: S105 - the known-bad value that production refuses

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default=INSECURE_SECRET_KEY)
if not DEBUG and (not SECRET_KEY or SECRET_KEY == INSECURE_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "SECRET_KEY is missing or is the development default. Set a random SECRET_KEY of at "
        "least 32 characters (or DEBUG=true for local development)."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "project.apps.CrewbaseAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # the project-wide form renderer finds its widget templates here
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "project.apps.ProjectConfig",
    "integrations",
    "volunteers",
    "scheduling",
    "oncall",
    "expenses",
    "volunteers.partners",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "project.api.RequestInputMiddleware",
    "project.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

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
                "project.context_processors.navigation",
                "csp.context_processors.nonce",
            ],
            # The design system's filters and tags (dates and times, sub-navigation, badges) in
            # every template without a {% load %}.
            "builtins": ["project.templatetags.crewbase_format", "project.templatetags.crewbase_ui"],
        },
    },
]
# Every form renders through templates/components/form.html and field.html (labels, help, errors).
FORM_RENDERER = "project.form_renderer.CrewbaseFormRenderer"

# The home page's panels, in order: each a function (request) -> HomePanel | None in an app's home.py.
HOME_PANELS = [
    "oncall.home.panel",
    "scheduling.home.panel",
    "volunteers.home.panel",
    "expenses.home.panel",
]

# --- Database: SQLite under data/ by default, PostgreSQL with DATABASE_URL=postgres://…
DATABASES = {"default": env.db_url_config(env("DATABASE_URL", default="") or f"sqlite:///{DATA_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + immediate transactions let the web server, worker and beat share one file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=3)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and shared cache in production; embedded fallbacks otherwise.
# Short socket timeouts: a stopped or hung Redis makes a request fail fast, never hang it.
REDIS_URL = env("REDIS_URL", default="")
# Jobs: a running job renews its lease every JOB_HEARTBEAT_SECONDS; one whose lease is older than
# JOB_LEASE_SECONDS lost its worker and is re-queued once or failed by the reaper (every minute).
# No task runs longer than JOB_TIME_LIMIT_SECONDS (the worker stops it), so Redis, which hands an
# unacknowledged message to another worker after `visibility_timeout`, waits longer than that.
JOB_HEARTBEAT_SECONDS = env.int("JOB_HEARTBEAT_SECONDS", default=30)
JOB_LEASE_SECONDS = env.int("JOB_LEASE_SECONDS", default=120)
JOB_TIME_LIMIT_SECONDS = env.int("JOB_TIME_LIMIT_SECONDS", default=7200)
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
REDIS_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
    "visibility_timeout": JOB_TIME_LIMIT_SECONDS + 600,
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "project.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }
# API throttle counters: the shared cache, under their own prefix (project/throttling.py).
CACHES["throttle"] = {**CACHES["default"], "KEY_PREFIX": "throttle"}
THROTTLE_CACHE_ALIAS = "throttle"
THROTTLE_RATES = {
    "user": env("THROTTLE_RATE_USER", default="10000/minute"),
    "anon": env("THROTTLE_RATE_ANON", default="120/minute"),
    "writes": env("THROTTLE_RATE_WRITES", default="300/minute"),
    "job_starts": env("THROTTLE_RATE_JOB_STARTS", default="30/minute"),
}

# Session rows in the database, read through the shared cache; a Redis outage falls back to the
# database (project/sessions.py).
SESSION_ENGINE = "project.sessions"

# --- Auth
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "project.authentication.ModelBackend",  # Django's, with the permissions read with the user
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
# Per (username, IP) up to AXES_FAILURE_LIMIT, and per IP across usernames (spraying) up to
# AXES_IP_FAILURE_LIMIT (project/login_lockout.py).
AXES_HANDLER = "project.login_lockout.SprayAwareAxesHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=20)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0) or None

REQUIRE_2FA = env.bool("REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = "Crewbase"

# --- Security (secure by default outside DEBUG; `manage.py check --deploy` passes)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_REDIRECT_EXEMPT = [r"^health/"]
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts only from our own static files (no inline script or
# event handler; a template that must inline one uses `nonce="{{ request.csp_nonce }}"`), no plugins,
# no framing, forms post only here. Inline style attributes stay allowed (they cannot run code).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- I18N / time
LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="America/Chicago")
# Phone numbers typed without a country code are read in this region (ISO 3166 code).
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="US")
USE_I18N = True
USE_TZ = True
# The weekday every calendar, week view and weekly report starts on: 0 = Monday (ISO) … 6 = Sunday.
WEEK_START = env.int("WEEK_START", default=0)

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default="") or str(BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT", default="") or str(DATA_DIR / "media")
# WhiteNoise serves collected static files from gunicorn (compressed, cache-busted names).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="crewbase@localhost")
ADMINS = [("Admin", a) for a in env.list("ADMIN_EMAILS", default=[])]
# E-mail outbox (project/email): attempts before a transient failure is final; the shared
# secret that signs bounce/complaint webhooks (empty = the webhook is off).
EMAIL_OUTBOX_MAX_ATTEMPTS = env.int("EMAIL_OUTBOX_MAX_ATTEMPTS", default=10)
EMAIL_WEBHOOK_SECRET = env("EMAIL_WEBHOOK_SECRET", default="")
EMAIL_MESSAGE_ID_DOMAIN = env("EMAIL_MESSAGE_ID_DOMAIN", default="")

# --- Encrypted credentials
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="")
if not FIELD_ENCRYPTION_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is required when DEBUG=false.")
    # Development only: a stable key derived from the dev SECRET_KEY.
    FIELD_ENCRYPTION_KEY = base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()

# --- REST framework and OpenAPI
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "project.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "project.api.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # JSON bodies only; an upload endpoint declares its own multipart parser.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "project.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "project.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "project.throttling.UserThrottle",
        "project.throttling.AnonThrottle",
        "project.throttling.WriteThrottle",
        "project.throttling.JobStartThrottle",
    ],
    # The client IP for anonymous throttles: the peer address, or X-Forwarded-For as written by
    # PROXY_COUNT trusted proxies (0, never None: None would trust a header any client can forge).
    "NUM_PROXIES": env.int("PROXY_COUNT", default=0),
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Crewbase API",
    "DESCRIPTION": "Volunteers, scheduling, on-call, expenses and the platform jobs behind them.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {"JobStatusEnum": "project.models.Job.Status"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "project.api.openapi_conventions",
    ],
}

# --- Celery: Redis when REDIS_URL is set, otherwise a filesystem broker needing no server.
BROKER_DIR = DATA_DIR / "broker"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_TRANSPORT_OPTIONS
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a long job never holds a second message hostage
CELERY_TASK_TIME_LIMIT = JOB_TIME_LIMIT_SECONDS
CELERY_TASK_SOFT_TIME_LIMIT = max(JOB_TIME_LIMIT_SECONDS - 60, 1)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES_ALL = ["default", "sync", "sms", "reports"]
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
# django-celery-beat's scheduler with a lock in the shared cache: a second beat stays idle (project/beat.py).
CELERY_BEAT_SCHEDULER = "project.beat:SingleDatabaseScheduler"
BEAT_LOCK_TTL_SECONDS = env.int("BEAT_LOCK_TTL_SECONDS", default=60)
# A periodic task whose tick passed this long ago without being sent, started or succeeding is
# overdue (an outage): beat sends it once (project/catchup.py), checking every minute.
PERIODIC_CATCH_UP_GRACE_SECONDS = env.int("PERIODIC_CATCH_UP_GRACE_SECONDS", default=120)
PERIODIC_CATCH_UP_EVERY_SECONDS = env.int("PERIODIC_CATCH_UP_EVERY_SECONDS", default=60)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}

# Health: how old the beat heartbeat may be before /health/ reports "degraded".
HEARTBEAT_MAX_AGE_SECONDS = env.int("HEARTBEAT_MAX_AGE_SECONDS", default=180)
# Responses to API calls made with an Idempotency-Key are replayed to retries for this long.
IDEMPOTENCY_TTL_SECONDS = env.int("IDEMPOTENCY_TTL_SECONDS", default=24 * 3600)
JOB_RETENTION_DAYS = env.int("JOB_RETENTION_DAYS", default=30)

# --- Integrations: each external system runs `fake` (default) or `live`.
INTEGRATIONS = {
    "salesforce": {
        "mode": env("SALESFORCE_MODE", default="fake"),
        "base_url": env("SALESFORCE_INSTANCE_URL", default=""),
        "domain": env("SALESFORCE_DOMAIN", default="login"),
    },
    "twilio": {
        "mode": env("TWILIO_MODE", default="fake"),
        "base_url": env("TWILIO_BASE_URL", default="https://api.twilio.com"),
    },
    "crossmark": {
        "mode": env("CROSSMARK_MODE", default="fake"),
        "base_url": env("CROSSMARK_BASE_URL", default="https://crossmark.mvretail.com"),
    },
    "edr": {
        "mode": env("EDR_MODE", default="fake"),
        "base_url": env("EDR_BASE_URL", default="https://retaillink2.wal-mart.com"),
    },
    "sheets": {
        "mode": env("SHEETS_MODE", default="fake"),
        "base_url": env("SHEETS_BASE_URL", default="https://sheets.googleapis.com"),
    },
    "places": {
        "mode": env("PLACES_MODE", default="fake"),
        "base_url": env("PLACES_BASE_URL", default="https://places.googleapis.com"),
    },
}
# integrations/ find stored secrets through this function (they import nothing of the site).
INTEGRATION_CREDENTIAL_LOOKUP = "project.credentials.credential_get"
INTEGRATION_TIMEOUT_SECONDS = env.float("INTEGRATION_TIMEOUT_SECONDS", default=20.0)

# --- On-call paging
# Public https base URL Twilio can reach for delivery callbacks (and signature checks behind a
# proxy). Empty: no callback URL is sent with messages.
ONCALL_PUBLIC_BASE_URL = env("ONCALL_PUBLIC_BASE_URL", default="")
ONCALL_SMS_MAX_ATTEMPTS = env.int("ONCALL_SMS_MAX_ATTEMPTS", default=20)
# Page only members whose phone number was verified by a code (turn off for a first import).
ONCALL_REQUIRE_VERIFIED_PHONES = env.bool("ONCALL_REQUIRE_VERIFIED_PHONES", default=True)

# --- Teacher programme: the Pathful partner whose rows a session import keeps (empty: all rows).
PATHFUL_PARTNER = env("PATHFUL_PARTNER", default="PREP-KC")

DEMO_PASSWORD = env("DEMO_PASSWORD", default="crewbase-demo")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Admin index: models grouped by the task they serve (project/admin_site.py). Every
# registered model is in one group or hidden; hidden ones (edited inline or from another page)
# stay reachable by URL. ADMIN_INDEX_ADMINISTRATORS_ONLY: platform internals that coordinators
# never see in the index.
ADMIN_INDEX_GROUPS = [
    (
        "People",
        [
            "volunteers.Volunteer",
            "volunteers.Teacher",
            "volunteers.Student",
            "volunteers.Organization",
            "volunteers.School",
            "volunteers.District",
            "volunteers.Contact",
            "volunteers.RecruitmentNote",
            "volunteers.VolunteerMerge",
            "partners.DistrictPartner",
            "partners.PublicSignup",
        ],
    ),
    (
        "Events",
        [
            "volunteers.Event",
            "volunteers.VolunteerParticipation",
            "volunteers.StudentParticipation",
            "volunteers.TeacherParticipation",
            "volunteers.SchoolClass",
            "volunteers.PathfulSession",
            "volunteers.AttendanceOverride",
            "volunteers.TeacherProgress",
            "volunteers.TeacherIssue",
        ],
    ),
    (
        "Scheduling",
        [
            "scheduling.Event",
            "scheduling.Schedule",
            "scheduling.ScheduleProposal",
            "scheduling.SchedulerRun",
            "scheduling.Employee",
            "scheduling.TimeOff",
            "scheduling.WeeklyAvailability",
            "scheduling.DateAvailability",
            "scheduling.CompanyHoliday",
            "scheduling.Attendance",
            "scheduling.RotationAssignment",
            "scheduling.RotationException",
            "scheduling.SchedulingSettings",
        ],
    ),
    (
        "On-call",
        [
            "oncall.Team",
            "oncall.Member",
            "oncall.Assignment",
            "oncall.Override",
            "oncall.ShiftPattern",
            "oncall.SmsMessage",
            "oncall.PhoneVerification",
        ],
    ),
    (
        "Expenses",
        [
            "expenses.Expense",
            "expenses.Restaurant",
            "expenses.Merchant",
            "expenses.LoyaltyAccount",
            "expenses.Category",
            "expenses.Tag",
            "expenses.ExpenseProfile",
        ],
    ),
    (
        "Imports & sync",
        [
            "volunteers.SyncRun",
            "volunteers.PendingParticipation",
            "volunteers.DataQualityFlag",
            "volunteers.QualityRun",
            "volunteers.PathfulImport",
            "volunteers.PathfulUnmatched",
            "volunteers.RosterImport",
            "scheduling.SyncRun",
            "scheduling.CrossmarkAccount",
            "scheduling.EdrReport",
            "expenses.ImportDraft",
            "project.Job",
            "project.IntegrationCredential",
        ],
    ),
    (
        "System",
        [
            "auth.User",
            "auth.Group",
            "project.ApiToken",
            "partners.PartnerApiKey",
            "project.EmailMessage",
            "project.EmailTemplate",
            "project.BugReport",
            "project.PeriodicTaskStatus",
            "django_celery_beat.PeriodicTask",
            "axes.AccessAttempt",
            "axes.AccessFailureLog",
            "axes.AccessLog",
            "otp_totp.TOTPDevice",
        ],
    ),
]
ADMIN_INDEX_HIDDEN = [
    # edited inline on their parent's page, or from another page
    "volunteers.ContactAddress",
    "volunteers.ContactEmail",
    "volunteers.ContactPhone",
    "volunteers.ContactHistory",
    "volunteers.EventAttendanceDetail",
    "volunteers.OrganizationAlias",
    "volunteers.SchoolAlias",
    "volunteers.Affiliation",
    "volunteers.VolunteerSkill",
    "volunteers.Skill",
    "volunteers.ViewerDistrict",
    "volunteers.MagicLink",
    "django_celery_beat.IntervalSchedule",
    "django_celery_beat.CrontabSchedule",
    "django_celery_beat.SolarSchedule",
    "django_celery_beat.ClockedSchedule",
    "otp_static.StaticDevice",
]
ADMIN_INDEX_ADMINISTRATORS_ONLY = [
    "django_celery_beat.PeriodicTask",
    "project.PeriodicTaskStatus",
    "project.IntegrationCredential",
    "axes.AccessAttempt",
    "axes.AccessFailureLog",
    "axes.AccessLog",
]
