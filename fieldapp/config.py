"""Default configuration. Overridden by instance/config.py, then FIELDAPP_* environment variables."""


class Config:
    SQLALCHEMY_DATABASE_URI = None  # set in create_app: DATABASE_URL or instance/fieldapp.sqlite
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # A province's install: refuse to start without DATABASE_URL and FIELDAPP_SECRET_KEY (no SQLite fallback).
    PRODUCTION = False
    # Logs on stderr (journald): "json" (one object a line, with the request id) or "text".
    LOG_FORMAT = "json"
    # One line per request from the app: method, path without query and tokens, status, time, client IP.
    ACCESS_LOG = True
    # /metrics answers loopback only; with a token, any client sending "Authorization: Bearer <token>".
    METRICS_TOKEN = None
    # /healthz answers 503 when the instance folder's disk has less free space than this.
    HEALTHZ_MIN_FREE_MB = 500
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    # Cheap phones: a session lasts a season of visits, not an hour.
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 3600
    # OWASP cheat sheet: argon2id, 19 MiB, 2 iterations, 1 lane.
    ARGON2_MEMORY_COST = 19456
    ARGON2_TIME_COST = 2
    ARGON2_PARALLELISM = 1
    # Served over HTTPS (directly or behind a proxy): Secure cookies and HSTS.
    HTTPS = False
    # Number of trusted reverse proxies in front (X-Forwarded-For/-Proto); 0 = none.
    PROXY_FIX = 0
    # Sign-in throttling, counted in the database so every worker shares it (auth/throttle.py):
    # failures per trusted device or per account+client pair, then 429; per account and per client,
    # then growing delays up to LOGIN_MAX_DELAY_SECONDS (never a lock-out of the owner).
    LOGIN_WINDOW_MINUTES = 15
    LOGIN_MAX_FAILURES_ACCOUNT = 10
    LOGIN_MAX_FAILURES_CLIENT = 30
    LOGIN_MAX_DELAY_SECONDS = 60
    # Join requests from a team's poster: per client and per join link in the window; pending per team.
    JOIN_WINDOW_MINUTES = 60
    JOIN_MAX_PER_CLIENT = 10
    JOIN_MAX_PER_LINK = 30
    JOIN_MAX_PENDING_PER_TEAM = 30
    # Personal fields of households not visited for this long are erased by purge-personal-data.
    PERSONAL_DATA_RETENTION_MONTHS = 24
    AUDIT_PER_PAGE = 50
    # A member corrects their own visits this long after sending them.
    VISIT_EDIT_WINDOW_HOURS = 24
    # The back-entry window: a visit may be dated at most this many days before today, whatever the door
    # (the form, a phone's batch, a paper walk sheet); counting.earliest_visit_day.
    BACK_ENTRY_DAYS = 30
    HOUSEHOLDS_PER_PAGE = 50
    # Background jobs (fieldapp/jobs): where DBOS keeps its queue (default: the app's PostgreSQL database,
    # or "<sqlite file>-jobs"), this worker's name among several (each host its own), jobs run at once.
    JOBS_DATABASE_URL = ""
    WORKER_ID = ""
    JOBS_CONCURRENCY = 1
    # Run a job in the request that submits it, not in the worker (tests and benchmarks only).
    JOBS_INLINE = False
    # The address printed in QR codes (posters, badges, stickers), e.g. http://192.168.1.20:5000 when
    # phones on the LAN try the app; unset: the address the page was opened with.
    BASE_URL = None
    COMPRESS_MIMETYPES = [
        "text/html", "text/css", "application/javascript", "text/javascript",
        "application/json", "image/svg+xml", "application/manifest+json",
    ]
