"""Configuration classes.

Safe defaults for development live here; deployments set ``LMS_*``
environment variables, read in ``create_app`` (never at import time).
"""

from __future__ import annotations

from datetime import timedelta

DEV_SECRET_KEY = "dev-secret-key-not-for-production"  # noqa: S105 - the refused default


class Config:
    DEBUG = False
    TESTING = False
    SECRET_KEY = DEV_SECRET_KEY
    # None means "instance/lms.sqlite", filled in by create_app.
    DATABASE_URL: str | None = None
    # No ping on every checkout: lms.db.ping_idle_connections pings only connections left idle.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}
    # None means SqliteHuey in instance/queue.sqlite; "redis://..." means RedisHuey.
    QUEUE_URL: str | None = None
    QUEUE_IMMEDIATE = False
    STORAGE_DIR: str | None = None
    # ZIP files of a class's or school's certificates are deleted this long after they were made.
    CERTIFICATE_ZIP_KEEP_HOURS = 24

    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    MAX_CSV_ROWS = 20_000

    SESSION_COOKIE_NAME = "lms_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    # "Remember me" keeps a device signed in this long at most (its sign-in record expires with it).
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    FORCE_HTTPS = False
    # Number of reverse proxies (load balancer) in front of the app whose
    # X-Forwarded-* headers are trusted, so rate limits see the client's address.
    PROXY_COUNT = 0

    WTF_CSRF_TIME_LIMIT = 12 * 3600

    LANGUAGES = ("kk", "ru", "en")
    BABEL_DEFAULT_LOCALE = "kk"
    BABEL_DEFAULT_TIMEZONE = "Asia/Almaty"

    # Argon2id parameters: argon2-cffi's RFC 9106 "low memory" profile.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Failed sign-ins (the page and the API's token endpoint together): from one address at one account,
    # at one account from anywhere, from one address at any account (a school behind one address).
    LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS = "10 per minute"
    LOGIN_LIMIT_PER_ACCOUNT = "100 per minute"
    LOGIN_LIMIT_PER_ADDRESS = "100 per minute"

    API_TOKEN_TTL = timedelta(days=30)
    PASSWORD_RESET_TTL = timedelta(hours=2)
    INVITATION_TTL = timedelta(days=14)

    MAIL_SERVER: str | None = None  # None: mail is written to the log
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_SENDER = "noreply@ai-skills.example"
    # The address e-mails link to; pages use the request's own host.
    EXTERNAL_URL = "http://127.0.0.1:5000"

    # The weakest code sandbox (courses.sandbox.Level) allowed to grade code: "rlimits",
    # "bubblewrap" or "bubblewrap+cgroups". Production refuses to grade below bubblewrap.
    SANDBOX_MINIMUM_LEVEL = "bubblewrap"

    # The Ed25519 key that signs credentials; None means instance/keys/credentials-ed25519.pem.
    # Development keys (flask certificates init-keys) are refused outside debug/testing.
    SIGNING_KEY_FILE: str | None = None
    PDF_SIGNING_KEY_FILE: str | None = None
    PDF_SIGNING_CHAIN_FILE: str | None = None
    # Public halves of retired keys and chains (`certificates rotate-keys` writes them), so certificates
    # signed before a rotation stay verifiable; None means a `retired` folder beside the signing key.
    RETIRED_KEYS_DIR: str | None = None
    CERTIFICATE_ISSUER_NAME = "AI Skills"
    CERTIFICATE_SIGNATORY_NAME: str | None = None  # printed on certificates; the issuer name when unset
    CERTIFICATE_LOCATION = "Kazakhstan"  # the PDF signature's location
    # Certificate PDFs on download: the standard path (tagged, ~28 KB) unless this is set; bulk
    # runs choose with `certificates render --fast` (certificates.fastpdf: ~20x cheaper, ~200 KB, untagged).
    CERTIFICATE_PDF_FAST = False
    # Per address, on the public verification page and API (a serial is hard to guess; keep it so).
    VERIFY_RATE_LIMIT = "60/minute"
    # Development and testing may sign with (and make) development keys; production refuses them.
    DEVELOPMENT_KEYS_ALLOWED = False

    API_TITLE = "AI Skills LMS API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"


class DevelopmentConfig(Config):
    DEBUG = True
    SANDBOX_MINIMUM_LEVEL = "rlimits"  # falls back, with a loud warning in the log
    DEVELOPMENT_KEYS_ALLOWED = True
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class TestingConfig(Config):
    TESTING = True
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    QUEUE_IMMEDIATE = True
    SANDBOX_MINIMUM_LEVEL = "rlimits"
    DEVELOPMENT_KEYS_ALLOWED = True
    # Cheap hashes keep the suite fast; production parameters are tested separately.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    SERVER_NAME = None


class ProductionConfig(Config):
    FORCE_HTTPS = False  # TLS usually ends at the load balancer; set LMS_FORCE_HTTPS=true otherwise


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
