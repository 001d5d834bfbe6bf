"""Django settings, all read from ``kabar.config`` (the one settings table)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import dj_database_url
import django_stubs_ext

from kabar.conf import security
from kabar.config import READ_ONLY_COMMAND, data_dir, env_values, secret_key

# Lets the admin write ``admin.ModelAdmin[Article]``: django-stubs types those classes as
# generic, Django itself does not accept the subscript at run time.
django_stubs_ext.monkeypatch()

ENV = env_values()
DATA_DIR: Path = data_dir()
# `kabar --help` and `kabar settings` leave no data dir behind (kabar.cli sets the flag).
_CREATE_DATA_DIR = not os.environ.get(READ_ONLY_COMMAND)
if _CREATE_DATA_DIR:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
PACKAGE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = secret_key(DATA_DIR, ENV["KABAR_SECRET_KEY"], keep=_CREATE_DATA_DIR)
DEBUG = ENV["KABAR_DEBUG"]
ALLOWED_HOSTS = ENV["KABAR_ALLOWED_HOSTS"]
SITE_URL = ENV["KABAR_SITE_URL"].rstrip("/")

# Secure cookies, HSTS, https redirect, trusted X-Forwarded-Proto and CSRF origins, all from
# KABAR_HTTPS and KABAR_SITE_URL (see kabar.conf.security for each choice).
globals().update(security.transport_settings(ENV))
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"  # outlets see the reader came from us
CONTENT_SECURITY_POLICY = security.content_security_policy(ENV["KABAR_CSP_IMG_SRC"])
PERMISSIONS_POLICY = security.PERMISSIONS_POLICY
# `kabar serve` (waitress) refuses larger requests before Django sees them.
SERVE_MAX_HEADER_BYTES: int = ENV["KABAR_MAX_HEADER_BYTES"]
SERVE_MAX_BODY_BYTES: int = ENV["KABAR_MAX_BODY_BYTES"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "kabar.news",
    "kabar.ingest",
    "kabar.translation",
    "kabar.newsroom",
    "kabar.stories",
    "kabar.site",
    "kabar.search",
    "kabar.syndication",
    "kabar.api",
    "kabar.webhooks",
    "kabar.comments",
    "kabar.pagecache",
    "kabar.demo",
    "ninja",
    "corsheaders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Stored reader pages are answered here, before the rest of the stack (kabar.pagecache);
    # after SecurityMiddleware, so that its HTTPS redirect still comes first.
    "kabar.pagecache.middleware.PageCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before CommonMiddleware, so that preflight answers and CORS headers are set on every API reply.
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that its lockout page replaces the login view's response.
    "axes.middleware.AxesMiddleware",
]

# The read API is public: any origin may GET it, with no cookies (keys travel in a header).
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_HEADERS = ("accept", "authorization", "if-none-match", "if-modified-since", "x-api-key")
CORS_EXPOSE_HEADERS = ("etag", "last-modified", "retry-after", "link")

# django-axes: admin logins locked per username + client address after KABAR_LOGIN_FAILURES
# failures; the admin unlocks under Axes > Access attempts.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT: int = ENV["KABAR_LOGIN_FAILURES"]
AXES_COOLOFF_TIME = dt.timedelta(minutes=ENV["KABAR_LOGIN_COOLOFF"]) if ENV["KABAR_LOGIN_COOLOFF"] else None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "kabar.conf.security.lockout_response"
KABAR_PROXY_COUNT: int = ENV["KABAR_PROXY_COUNT"]
AXES_CLIENT_IP_CALLABLE = security.client_ip  # X-Forwarded-For only with KABAR_PROXY_COUNT > 0

ROOT_URLCONF = "kabar.conf.urls"
WSGI_APPLICATION = "kabar.conf.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],  # the lockout page
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kabar.site.context.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        ENV["KABAR_DATABASE_URL"] or f"sqlite:///{DATA_DIR / 'kabar.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web process read while `kabar worker` writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_backend = ENV["KABAR_TASKS_BACKEND"]
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "rq": "django_tasks_rq.RQBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[_backend],
        "QUEUES": ["default", "fetch", "translate"],
    }
}
# A task whose worker dies is re-queued (kabar.ingest.leases; on RQ, RQ's own Retry).
TASK_LEASES = {
    "heartbeat": ENV["KABAR_WORKER_HEARTBEAT"],
    "lease": ENV["KABAR_WORKER_LEASE"],
    "max_attempts": ENV["KABAR_TASK_MAX_ATTEMPTS"],
}
if _backend == "rq":
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {
        q: {
            "URL": ENV["KABAR_REDIS_URL"],
            "DEFAULT_TIMEOUT": 600,
            "QUEUE_CLASS": "kabar.ingest.rq_backend.RetryingQueue",
        }
        for q in TASKS["default"]["QUEUES"]
    }

STORIES_ONLINE: bool = ENV["KABAR_STORIES_ONLINE"]

# Django's cache holds stored pages, the tag versions that invalidate them, and the API's rate
# counters. It must be shared by every process that edits or serves (kabar.pagecache).
_cache = ENV["KABAR_CACHE"]
if _cache == "auto":
    _cache = "redis" if "KABAR_REDIS_URL" in os.environ or _backend == "rq" else "file"
CACHES = {
    "default": {
        "redis": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": ENV["KABAR_REDIS_URL"],
        },
        # Django's file cache lists its whole folder on every write (whatever MAX_ENTRIES is);
        # kabar's subclass lists it only when a cull may be due (see kabar.pagecache.filecache).
        "file": {
            "BACKEND": "kabar.pagecache.filecache.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
        "memory": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
    }[_cache]
}
CACHES["default"]["KEY_PREFIX"] = "kabar"
PAGE_CACHE = {
    "enabled": ENV["KABAR_PAGE_CACHE"],
    "ttl": ENV["KABAR_PAGE_CACHE_TTL"],
    "max_age": ENV["KABAR_HTTP_MAX_AGE"],
    "s_maxage": ENV["KABAR_HTTP_S_MAXAGE"],
    "stale_while_revalidate": ENV["KABAR_HTTP_STALE_WHILE_REVALIDATE"],
}
CDN_PURGERS: dict[str, dict[str, object]] = ENV["KABAR_CDN_PURGERS"]
# Pages also written as files for nginx (kabar.pagecache.static_publish); empty: off.
STATIC_PUBLISH_DIR: str = ENV["KABAR_STATIC_PUBLISH_DIR"]

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English", "id": "Bahasa Indonesia"}
SITE_LANGUAGES: list[str] = ENV["KABAR_LANGUAGES"]
LANGUAGE_CODE = SITE_LANGUAGES[0]
LANGUAGES = [(code, LANGUAGE_NAMES.get(code, code)) for code in SITE_LANGUAGES]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
if _CREATE_DATA_DIR:
    STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing root even when finders serve
# WhiteNoise serves app static files straight from the package: nothing to collect
# for the embedded server. Behind a CDN, run `kabar collectstatic` instead.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_URL = "/media/"
SERVE_MEDIA = ENV["KABAR_SERVE_MEDIA"]
MEDIA_ROOT = DATA_DIR / "media"

FETCH = {
    "user_agent": ENV["KABAR_USER_AGENT"],
    "timeout": ENV["KABAR_FETCH_TIMEOUT"],
    "max_bytes": ENV["KABAR_FETCH_MAX_BYTES"],
    "host_delay": ENV["KABAR_FETCH_HOST_DELAY"],
}
INGEST = {
    "workers": ENV["KABAR_INGEST_WORKERS"],
    "extract_timeout": ENV["KABAR_EXTRACT_TIMEOUT"],
    "clean_timeout": ENV["KABAR_CLEAN_TIMEOUT"],
}
DETECT_LANGUAGES: list[str] = ENV["KABAR_DETECT_LANGUAGES"]
MT_ENGINES = json.loads(ENV["KABAR_MT_ENGINES"] or "{}")
if "ctranslate2" in MT_ENGINES:
    # Argos packages unpack once into the data dir instead of a new temp dir at every start.
    MT_ENGINES["ctranslate2"].setdefault("data_dir", str(DATA_DIR))
MT_ROUTES = json.loads(ENV["KABAR_MT_ROUTES"] or "{}")
MT_PIVOT = ENV["KABAR_MT_PIVOT"]
MT_PUBLISH = dict(item.split("=", 1) for item in ENV["KABAR_MT_PUBLISH"])
# Where `kabar mt install` downloads models from (kabar.core.translate.mt.install.Endpoints).
MT_INSTALL_URLS = {
    "opus_mt": ENV["KABAR_MT_OPUS_URL"],
    "argos_index": ENV["KABAR_MT_ARGOS_INDEX"],
    "huggingface": ENV["KABAR_MT_HF_URL"],
}
SEARCH_BACKEND: str = ENV["KABAR_SEARCH_BACKEND"]
SEARCH_OPTIONS: dict[str, object] = ENV["KABAR_SEARCH_OPTIONS"]
# The public API's rate limits (kabar.api.throttle), e.g. "60/min"; None: no limit.
API_RATE_ANONYMOUS: str | None = ENV["KABAR_API_RATE_ANONYMOUS"]
API_RATE_KEY: str | None = ENV["KABAR_API_RATE_KEY"]
SEARCH_SEMANTIC: str = ENV["KABAR_SEARCH_SEMANTIC"]

# Readers' comments (kabar.comments; a section may override moderation and closing in the admin).
COMMENTS = {
    "moderation": ENV["KABAR_COMMENTS"],
    "close_days": ENV["KABAR_COMMENTS_CLOSE_DAYS"],
    "hold_new": ENV["KABAR_COMMENTS_HOLD_NEW"],
    "trusted_after": ENV["KABAR_COMMENTS_TRUSTED_AFTER"],
    "rejection_rate": ENV["KABAR_COMMENTS_REJECTION_RATE"],
    "reports_hold": ENV["KABAR_COMMENTS_REPORTS_HOLD"],
    "rate_ip": ENV["KABAR_COMMENTS_RATE_IP"],
    "rate_email": ENV["KABAR_COMMENTS_RATE_EMAIL"],
    "min_seconds": ENV["KABAR_COMMENTS_MIN_SECONDS"],
}
# Confirmation mails: SMTP when KABAR_EMAIL_HOST is set, else files in <data dir>/mail.
if ENV["KABAR_EMAIL_HOST"]:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = ENV["KABAR_EMAIL_HOST"]
    EMAIL_PORT = ENV["KABAR_EMAIL_PORT"]
    EMAIL_HOST_USER = ENV["KABAR_EMAIL_USER"]
    EMAIL_HOST_PASSWORD = ENV["KABAR_EMAIL_PASSWORD"]
    EMAIL_USE_TLS = ENV["KABAR_EMAIL_TLS"]
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "mail")
DEFAULT_FROM_EMAIL = ENV["KABAR_EMAIL_FROM"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"kabar": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
