"""Django settings. Every value is read here, once, from the environment."""

import importlib.util
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _database(url: str, data_dir: Path) -> dict:
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(data_dir / "docload.sqlite3"),
            "OPTIONS": {
                # WAL lets the API read while a worker writes; IMMEDIATE avoids lock upgrades.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
            "TEST": {"NAME": str(data_dir / "test-docload.sqlite3")},
        }
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise ImproperlyConfigured(f"DATABASE_URL scheme {parsed.scheme!r} is not supported")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": 60,
    }


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("DOCLOAD_DATA_DIR", "./var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "docload-development-key-change-me-in-production")
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = _env_list("DJANGO_ALLOWED_HOSTS") or ["localhost", "127.0.0.1", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "docload.api",
    "docload.auth",
    "docload.catalog",
    "docload.documents",
    "docload.imports",
    "docload.dialects.uploads",
    "docload.dialects.bulkload",
    "docload.dialects.jsonimport",
    "docload.web",
]

MIDDLEWARE = [
    "docload.api.request_id.RequestIdMiddleware",
    "docload.api.middleware.ApiVersionMiddleware",
    "docload.api.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "docload.urls"
WSGI_APPLICATION = "docload.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {"default": _database(os.environ.get("DATABASE_URL", ""), DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "nl-nl"
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True
USE_I18N = False
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

# Content storage: local files by default, S3 through django-storages when asked.
_STORAGE_BACKEND = os.environ.get("DOCLOAD_STORAGE", "local")
if _STORAGE_BACKEND == "s3":
    if importlib.util.find_spec("storages") is None:
        raise ImproperlyConfigured(
            "DOCLOAD_STORAGE=s3 needs django-storages: pip install 'docload[s3]'"
        )
    # The usual django-storages names, from the environment: AWS_STORAGE_BUCKET_NAME (required),
    # AWS_S3_ENDPOINT_URL (an S3-compatible server), AWS_S3_REGION_NAME, AWS_ACCESS_KEY_ID,
    # AWS_SECRET_ACCESS_KEY (else boto3's own credential chain), AWS_LOCATION (a key prefix).
    _s3_options = {
        "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
        "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
        "location": os.environ.get("AWS_LOCATION", ""),
    }
    if not _s3_options["bucket_name"]:
        raise ImproperlyConfigured("DOCLOAD_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    from boto3.s3.transfer import TransferConfig

    # An upload holds about max_concurrency parts of multipart_chunksize in memory.
    _s3_options["transfer_config"] = TransferConfig(
        multipart_threshold=8 * 1024**2, multipart_chunksize=5 * 1024**2, max_concurrency=1
    )
    _content_storage: dict = {
        "BACKEND": "storages.backends.s3.S3Storage",
        # A file read through the storage spills to disk past 8 MiB, not whole into memory.
        "OPTIONS": {"file_overwrite": True, "max_memory_size": 8 * 1024**2, **_s3_options},
    }
elif _STORAGE_BACKEND == "local":
    _content_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "content"), "allow_overwrite": True},
    }
else:
    raise ImproperlyConfigured("DOCLOAD_STORAGE must be 'local' or 's3'")
STORAGES = {
    "default": _content_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["docload.auth.authentication.ZGWTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["docload.auth.permissions.HasScopes"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "docload.api.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "docload.api.schema.ZGWAutoSchema",
    "EXCEPTION_HANDLER": "docload.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "PAGE_SIZE": 100,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "docload Documenten API",
    "DESCRIPTION": "ZGW Documenten API registry with bulk import.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "docload.documents.api.schema.document_schema_facts",
    ],
    "ENUM_NAME_OVERRIDES": {
        "VertrouwelijkheidaanduidingEnum": "docload.documents.constants.VERTROUWELIJKHEID_CHOICES",
    },
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("DOCLOAD_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "imports"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "docload.api.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "plain",
        }
    },
    "loggers": {
        "docload": {"handlers": ["console"], "level": "INFO"},
        # Every unhandled exception (a 500) with its traceback, and 5xx answers.
        "django.request": {"handlers": ["console"], "level": "ERROR"},
    },
}

# ZGW auth
JWT_LEEWAY_SECONDS = _env_int("DOCLOAD_JWT_LEEWAY_SECONDS", 300)
JWT_MAX_AGE_SECONDS = _env_int("DOCLOAD_JWT_MAX_AGE_SECONDS", 12 * 3600)

# Request bodies. Streamed bodies (CSV, staged files) may be large; JSON bodies are parsed in
# memory, so they have their own, smaller limit.
DOCLOAD_MAX_UPLOAD_BYTES = _env_int("DOCLOAD_MAX_UPLOAD_BYTES", 8 * 1024**3)
# A client that sends nothing of its body for this long loses the request (a slow or stalled
# upload must not hold one of the server's threads for ever).
DOCLOAD_UPLOAD_IDLE_SECONDS = _env_int("DOCLOAD_UPLOAD_IDLE_SECONDS", 60)
# 100 MiB of JSON holds about 75 MB of base64 content; larger files go through the imports.
DOCLOAD_MAX_JSON_BYTES = _env_int("DOCLOAD_MAX_JSON_BYTES", 100 * 1024**2)
DATA_UPLOAD_MAX_MEMORY_SIZE = DOCLOAD_MAX_JSON_BYTES
# Documents whose content is uploaded in parts (bestandsdelen): the size of each part but the
# last, and the most parts one document may have.
DOCLOAD_BESTANDSDEEL_SIZE = _env_int("DOCLOAD_BESTANDSDEEL_SIZE", 100 * 1024**2)
DOCLOAD_MAX_BESTANDSDELEN = _env_int("DOCLOAD_MAX_BESTANDSDELEN", 10_000)
# Fetching content from URLs (imports/fetching.py). The allowlist is comma-separated
# `scheme://host[:port][/path]` entries, e.g. "https://files.example.org,http://127.0.0.1:9000";
# empty: nothing is fetched. Hosts named by IP address or as localhost may be private/loopback.
DOCLOAD_FETCH_ALLOWLIST = _env_list("DOCLOAD_FETCH_ALLOWLIST")
DOCLOAD_FETCH_MAX_BYTES = _env_int("DOCLOAD_FETCH_MAX_BYTES", 4 * 1024**3)
DOCLOAD_FETCH_CONNECT_TIMEOUT = _env_int("DOCLOAD_FETCH_CONNECT_TIMEOUT", 10)  # seconds
DOCLOAD_FETCH_READ_TIMEOUT = _env_int("DOCLOAD_FETCH_READ_TIMEOUT", 60)  # seconds per read
DOCLOAD_FETCH_MAX_REDIRECTS = _env_int("DOCLOAD_FETCH_MAX_REDIRECTS", 5)

ZAKEN_API_ROOT = os.environ.get("ZAKEN_API_ROOT", "http://localhost:8000/zaken/api/v1/")

# Imports
IMPORT_DOCUMENTEN_BASE_DIR = Path(
    os.environ.get("IMPORT_DOCUMENTEN_BASE_DIR", str(DATA_DIR / "import-data"))
).resolve()
if IMPORT_DOCUMENTEN_BASE_DIR in (DATA_DIR, Path.cwd().resolve(), Path("/")):
    raise ImproperlyConfigured("IMPORT_DOCUMENTEN_BASE_DIR must not be the data or project root")
SETTINGS_FROM_ENV = frozenset(
    name for name in os.environ if name.startswith(("IMPORT_", "DOCLOAD_"))
)
IMPORT_DOCUMENTEN_BATCH_SIZE = _env_int("IMPORT_DOCUMENTEN_BATCH_SIZE", 500)
IMPORT_RETENTION_DAYS = _env_int("IMPORT_RETENTION_DAYS", 7)
# Each imported document gets its audit trail entry ("create"), in its batch's transaction.
DOCLOAD_IMPORT_AUDIT = os.environ.get("DOCLOAD_IMPORT_AUDIT", "true").lower() not in ("0", "false")
# Upload definitions: staged files of a definition unchanged this long are removed; uploads
# with these extensions are refused.
UPLOAD_ABANDONED_DAYS = _env_int("UPLOAD_ABANDONED_DAYS", 7)
# A definition embeds at most this many fileDefinitions; `…/files` pages through all of them.
UPLOAD_EMBEDDED_FILES = _env_int("UPLOAD_EMBEDDED_FILES", 100)
UPLOAD_BLOCKED_EXTENSIONS = [
    "." + extension.lower().lstrip(".")
    for extension in _env_list("UPLOAD_BLOCKED_EXTENSIONS")
    or [".exe", ".com", ".bat", ".cmd", ".scr", ".msi", ".dll"]
]
# Content archives (.zip, .tar, .tar.gz, .tgz) uploaded to staging are unpacked as they arrive,
# refused beyond these many members, these many unpacked bytes, or this ratio of unpacked bytes
# to the archive's own size (zip bombs).
DOCLOAD_ARCHIVE_MAX_MEMBERS = _env_int("DOCLOAD_ARCHIVE_MAX_MEMBERS", 100_000)
DOCLOAD_ARCHIVE_MAX_BYTES = _env_int("DOCLOAD_ARCHIVE_MAX_BYTES", 64 * 1024**3)
DOCLOAD_ARCHIVE_MAX_RATIO = _env_int("DOCLOAD_ARCHIVE_MAX_RATIO", 100)
# A metadata workbook (.xlsx, a zip file) is refused when its members unpack to more than this.
DOCLOAD_XLSX_MAX_UNCOMPRESSED_BYTES = _env_int("DOCLOAD_XLSX_MAX_UNCOMPRESSED_BYTES", 2 * 1024**3)
# A worker renews its lease on a job every batch and every third of a lease (a heartbeat); a job
# whose lease ran out is taken over, so a killed worker's import continues after about this long.
IMPORT_LEASE_SECONDS = _env_int("IMPORT_LEASE_SECONDS", 30)
# On PostgreSQL a CSV import of more rows than this is written in parts of this many rows, each a
# task that any worker takes (`imports.parts`); 0 keeps every import in one piece. On SQLite an
# import always runs in one piece, on one worker: SQLite has one writer at a time.
DOCLOAD_IMPORT_PART_ROWS = _env_int("DOCLOAD_IMPORT_PART_ROWS", 5000)
# Content copying: processes when storage and sources are local files, threads otherwise (S3).
IMPORT_COPY_PROCESSES = _env_int("IMPORT_COPY_PROCESSES", 2)
IMPORT_CONTENT_THREADS = _env_int("IMPORT_CONTENT_THREADS", 4)
