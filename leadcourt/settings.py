"""LeadCourt settings.

Every setting that differs between machines is read from the environment here,
and only here (django-environ). Malformed values fail loudly at start-up.
With nothing set, the app runs embedded: SQLite in ``var/`` and a filesystem
Celery broker, so that ``make run`` needs no services. ``.env.example`` lists
every variable.
"""

import copy
import sys
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A local .env is optional; real deployments set the environment directly.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Embedded (development) by default; production sets DEBUG=false, which then
# requires SECRET_KEY and ALLOWED_HOSTS and turns on the HTTPS settings.
DEBUG = env.bool("DEBUG", default=True)

# A development key is only acceptable when DEBUG is on; production must set one.
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-not-for-production")
else:
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_celery_beat",
    "django_htmx",
    "axes",
    "leadcourt.accounts",
    "leads",
    "adjudication",
    "metrics",
    "demo",
    "leadcourt.notifications",
    "leadcourt.jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response, pages
    # and API alike (see "Security" below).
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns a login refused for too many failures into the login page saying
    # so (leadcourt.accounts.lockout). Last, so it sees the view's answer.
    "axes.middleware.AxesMiddleware",
    # Read-your-writes across a redirect when a read replica is configured.
    "leadcourt.replica_reads.ReplicaPinningMiddleware",
]

ROOT_URLCONF = "leadcourt.urls"

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
                "leadcourt.accounts.context_processors.roles",
                "leadcourt.navigation.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "leadcourt.wsgi.application"

# --- Database ---------------------------------------------------------------
# PostgreSQL in production and tests (DATABASE_URL=postgres://…); SQLite file
# otherwise. Persistent connections matter for throughput under gunicorn.
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'leadcourt.sqlite3'}"),
}

# Two roles on PostgreSQL (README, "Database roles"): DATABASE_URL logs in as
# the app's role, which reads and writes rows but owns nothing, so it can
# neither alter a table nor erase the lead history (INSERT and SELECT only on
# it: the migration leads/0010 grants that). DATABASE_OWNER_URL logs in as the
# role that owns the tables; only `manage.py migrate` and the test suite's
# database setup connect as it. Unset (the embedded SQLite setup, the bench),
# one role does everything, as before.
#
# `manage.py migrate` switches here, rather than through a second alias: data
# migrations and Django's post-migrate hooks write through "default", and the
# table of applied migrations is read through it, so a second alias would
# split one migration over two connections (and `migrate` on "default" would
# still record migrations it skipped). Every process shares one environment
# and the migrate one-shot needs no variable of its own.
DATABASE_OWNER_URL = env.str("DATABASE_OWNER_URL", default="")
# The role that migrations grant the app's privileges to ("": one role).
DATABASE_APP_ROLE = ""
if DATABASE_OWNER_URL:
    _owner = env.db("DATABASE_OWNER_URL")
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql" or _owner["ENGINE"] != (
        "django.db.backends.postgresql"
    ):
        raise ImproperlyConfigured("DATABASE_OWNER_URL needs DATABASE_URL and itself to be postgres:// URLs")
    if _owner["USER"] != DATABASES["default"]["USER"]:
        DATABASE_APP_ROLE = DATABASES["default"]["USER"]
    if sys.argv[1:2] == ["migrate"]:
        DATABASES["default"] = _owner

# A streaming read replica (docs/scaling.md, "Past one machine"). Reads go
# there only from views that say so (@reads_from_replica,
# leadcourt/replica_reads.py); writes, transactions and everything else stay
# on "default" (leadcourt/db_router.py). Without DATABASE_REPLICA_URL the
# "replica" alias is the primary under a second name and nothing is routed to
# it, so code and tests can name it either way. In tests it mirrors the test
# database (no second test database is created).
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
READ_REPLICA_ENABLED = bool(DATABASE_REPLICA_URL)
DATABASES["replica"] = (
    env.db("DATABASE_REPLICA_URL") if READ_REPLICA_ENABLED else copy.deepcopy(DATABASES["default"])
)
DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["leadcourt.db_router.PrimaryReplicaRouter"]
# After a browser request that may have written (POST, PUT, PATCH, DELETE),
# that browser's reads stay on the primary this long, so the page it is
# redirected to shows its own change even if the replica lags.
READ_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=10)

# DATABASE_POOLER=pgbouncer: both URLs above point at PgBouncer in transaction
# mode, which hands each transaction to whichever server connection is free.
# Nothing may outlive a transaction on the server connection, so: no
# server-side cursors (QuerySet.iterator() would DECLARE a cursor in one
# transaction and FETCH in another), no prepared statements (psycopg would
# PREPARE on one server connection and EXECUTE on another; Django already
# defaults prepare_threshold to None, kept explicit here so that nobody turns
# it on by accident), and advisory locks only per transaction
# (pg_advisory_xact_lock, as the metric snapshots take theirs).
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured(f"DATABASE_POOLER must be empty or 'pgbouncer', not {DATABASE_POOLER!r}")

for _database in DATABASES.values():
    # Behind PgBouncer this keeps the client connection to PgBouncer (cheap);
    # server connections are PgBouncer's to keep.
    _database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    _database["CONN_HEALTH_CHECKS"] = True
    if _database["ENGINE"] == "django.db.backends.sqlite3":
        # SQLite: wait for the writer lock instead of failing at once, so the web
        # process and the Celery worker can share the embedded database.
        _database["CONN_MAX_AGE"] = 0
        _database.setdefault("OPTIONS", {}).update(
            {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
        )
    elif DATABASE_POOLER == "pgbouncer":
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
        _database.setdefault("OPTIONS", {})["prepare_threshold"] = None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The lockout check runs first and refuses every attempt from a locked-out
# client address, the right password included; ModelBackend then checks it.
AUTHENTICATION_BACKENDS = [
    "leadcourt.accounts.backends.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Time -------------------------------------------------------------------
# TIME_ZONE is also the organisation's time zone: business-hours deadlines
# (Mon–Fri 09:00–17:00) are counted on its wall clock.
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise scans STATIC_ROOT at start-up; before the first collectstatic
# (development, tests) an empty folder keeps it from warning on every start.
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "leadcourt" / "static"]
# Uploaded files (CSV imports). Private: no MEDIA_URL is served. Web and
# Celery workers must share this folder (a volume in docker-compose.yml).
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Cache --------------------------------------------------------------------
# Every throttle (the API's) and the login lockout count here, so it must be
# one store that every web process shares: a cache in each process's memory
# lets each gunicorn worker count on its own, multiplying every limit by the
# number of workers. CACHE_URL=redis://… in production (docker-compose.yml);
# without it, a table in the database, shared by every process that uses the
# database (created by migration accounts 0003; after switching CACHE_URL to
# dbcache:// later, run `manage.py createcachetable`).
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://leadcourt_cache")}
_PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    # Per machine: containers or hosts behind one load balancer would not share it.
    "django.core.cache.backends.filebased.FileBasedCache",
)
if CACHES["default"]["BACKEND"] in _PER_PROCESS_CACHES:
    raise ImproperlyConfigured(
        f"CACHE_URL must name a cache shared by every web process (redis:// or dbcache://), "
        f"not {CACHES['default']['BACKEND']}: throttles and the login lockout count in it."
    )

# --- Client address -------------------------------------------------------------
# How many reverse proxies of ours stand in front of the app. 0 (the default):
# none, the client talks to gunicorn directly, and X-Forwarded-For is ignored:
# anyone can send that header, so trusting it would let one client pose as a
# thousand and escape the login lockout and the throttles. N: the client is
# the address the outermost of our N proxies saw, the N-th entry of
# X-Forwarded-For from the right (leadcourt/accounts/client_address.py).
# docker-compose.yml sets 1 for its TLS proxy.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, not {TRUSTED_PROXY_COUNT}")

# --- REST API -------------------------------------------------------------------
# /api/v1/ (leadcourt/api/urls.py). Errors are rendered by one handler so that
# every refusal has the shape SPEC §9 promises, whichever layer raised it.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "leadcourt.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "leadcourt.api.exceptions.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Every JSON body, the token endpoint's included, goes through the strict
    # parser (depth limit, valid Unicode); forms stay possible where DRF allows them.
    "DEFAULT_PARSER_CLASSES": [
        "leadcourt.api.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # POST /api/v1/auth/token/ per client address (counted in the shared cache;
    # the address is leadcourt.accounts.client_address, see TRUSTED_PROXY_COUNT).
    "DEFAULT_THROTTLE_RATES": {"auth_token": env.str("API_TOKEN_RATE", default="20/minute")},
    # For any DRF throttle that keeps DRF's own get_ident: the same rule as
    # client_address (the address the outermost trusted proxy saw).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LeadCourt API",
    "DESCRIPTION": "Leads, their decisions and the cases that review them (SPEC §9).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page loads Swagger UI from the app's static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One named enum per choice set, whatever the field is called (state,
    # from_state, to_state, ...); otherwise the schema warns and names vary.
    "ENUM_NAME_OVERRIDES": {
        "LeadStateEnum": "leads.models.LeadState",
        "TouchChannelEnum": "leads.models.TouchChannel",
        "TouchOutcomeEnum": "leads.models.TouchOutcome",
        "CaseKindEnum": "adjudication.models.CaseKind",
        "CaseStatusEnum": "adjudication.models.CaseStatus",
        "DecisionEnum": "adjudication.models.Decision",
        "FindingEnum": "adjudication.models.Finding",
        "LeadImportStatusEnum": "leads.models.LeadImportStatus",
    },
}

# --- Email --------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# The folder the file-based backend writes to (django.core.mail.backends.filebased).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="LeadCourt <leadcourt@localhost>")
# Where the links in notification emails point (no trailing slash needed).
SITE_URL = env.url("SITE_URL", default="http://127.0.0.1:8000").geturl()

# --- Celery -------------------------------------------------------------------
# Redis in production; a filesystem broker (folders under var/) when unset, so
# the embedded setup runs a real worker and beat with no services at all.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "celery-broker"
    for _sub in ("out", "processed", "control"):
        (_queue_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "out"),
        "data_folder_out": str(_queue_dir / "out"),
        "data_folder_processed": str(_queue_dir / "processed"),
        # kombu's broadcast/control files (celery inspect, remote control);
        # by default a "control" folder in the current directory.
        "control_folder": str(_queue_dir / "control"),
    }
# A task is acknowledged when it ends, not when a worker takes it: one whose
# worker dies (SIGKILL, OOM, a lost machine) is run again by another worker.
# Every task may run twice (idempotent: claims, unique keys, SKIP LOCKED).
# If the pool's child dies, the worker hands the message back at once.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# If the whole worker dies, nobody hands it back: Redis gives a message taken
# and not acknowledged to another worker after the visibility timeout (kombu's
# default: an hour). Five minutes is longer than every routine task takes
# (bench/RESULTS.md at 1,000,000 leads: metric snapshots 16 s, a 10,000-lead
# sweep backlog 23 s, a 9,237-row import 1.8 s) and than the longest retry
# countdown (JOB_TASK_OPTIONS: at most 80 s); Redis would otherwise hand a
# retry waiting for its countdown to a second worker. A task that runs longer
# (a 100,000-lead sweep backlog, 333 s) is handed out a second time while it
# still runs, which costs a worker and breaks nothing: the sweeps claim their
# rows in committed batches with SKIP LOCKED, so the copy takes the batches
# left, and delivery claims each notification. Workers look for such messages
# every 10 s rather than kombu's 100 s (a tenth of a timeout under 100 s, which
# only tests set).
_visibility_timeout = env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=300)
if _visibility_timeout < 1:
    raise ImproperlyConfigured(
        f"CELERY_BROKER_VISIBILITY_TIMEOUT must be 1 second or more, not {_visibility_timeout}"
    )
if CELERY_BROKER_URL.startswith(("redis://", "rediss://", "redis+socket://", "sentinel://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _visibility_timeout,
        "unacked_restore_interval": max(1, min(10, _visibility_timeout // 10)),
        "unacked_restore_throttle": 1,
    }
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Queues by kind of work, so that a flood of one kind never delays another: a
# 100,000-row import or a sweep over a big backlog does not hold up the mail
# telling a judge about a new case. docker-compose.yml runs a worker per queue
# (scaled and sized for its kind); the embedded worker of `make run` and the
# process smoke test consume them all (-Q). "celery" is the default queue, for
# Celery's own tasks and anything not routed here. A worker started without
# -Q consumes every queue below.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    # The scheduled sweeps over leads and cases (leadcourt/jobs/registry.py).
    "adjudication.tasks.sweep_decisions": {"queue": "sweeps"},
    "adjudication.tasks.sweep_followups": {"queue": "sweeps"},
    "adjudication.tasks.escalate_cases": {"queue": "sweeps"},
    "adjudication.tasks.monthly_sample": {"queue": "sweeps"},
    "leads.tasks.expire_appeals": {"queue": "sweeps"},
    # Sends the imports the broker refused; not behind the imports it sends.
    "leads.tasks.send_waiting_imports": {"queue": "sweeps"},
    "leadcourt.notifications.tasks.notification_deliver": {"queue": "notifications"},
    # Behind the deliveries it would re-queue: while they are backed up it
    # waits there and expires (beat's expire_seconds) instead of queueing more.
    "leadcourt.notifications.tasks.requeue_notifications": {"queue": "notifications"},
    "metrics.tasks.metrics_snapshots": {"queue": "metrics"},
    "leads.imports.tasks.lead_import_run": {"queue": "imports"},
}
TASK_QUEUE_NAMES = (CELERY_TASK_DEFAULT_QUEUE, "sweeps", "notifications", "metrics", "imports")
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in TASK_QUEUE_NAMES]

# --- Security -----------------------------------------------------------------
# Production (DEBUG off) gets HTTPS-only cookies and HSTS; behind a TLS proxy
# set SECURE_PROXY_SSL_HEADER via SECURE_PROXY_SSL=true.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if env.bool("SECURE_PROXY_SSL", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp 4: one dict of directives). Every script
# and stylesheet is a file served by the app (htmx, Chart.js, Swagger UI, the
# admin's), so no inline <script> or <style> is allowed and no nonce is
# needed. style-src-attr allows style="…" attributes only, which a few
# templates still use for one-off spacing and the vote progress bar; an
# attribute can style an element but cannot run code or load anything that
# img-src and font-src do not allow.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        # data: for the icons inside Swagger UI's and the admin's stylesheets.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Permissions-Policy (django-permissions-policy): no page here needs any of
# these browser features, so none may be used, by the page or by anything it
# might embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
}

# Login lockout (django-axes), for the login page, the admin's and the API
# token endpoint alike: after LOGIN_FAILURE_LIMIT failed logins from one client
# address, every login from it is refused, the right password included, until
# LOGIN_LOCKOUT_MINUTES pass without another attempt. Keyed on the address
# (TRUSTED_PROXY_COUNT above), not the username, so that nobody can lock a
# colleague out by guessing at their username. Counted in the shared cache.
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_CACHE = "default"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
# Kept after a successful login: otherwise logging in to one's own account
# between guesses at someone else's would wipe the count.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "leadcourt.accounts.client_address.client_address"
# The login page itself says why (and offers a password reset), not a bare 429.
AXES_LOCKOUT_CALLABLE = "leadcourt.accounts.lockout.lockout_response"
# The cache handler keeps nothing in axes' tables: its admin pages would be empty.
AXES_ENABLE_ADMIN = False
# No "AXES: BEGIN" banner on the standard output of every manage.py command.
AXES_VERBOSE = False
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME.total_seconds() <= 0:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES must be positive")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own loggers go through the root handler once, not twice.
    "loggers": {"django": {"handlers": [], "propagate": True}},
}
