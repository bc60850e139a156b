"""What an operator sees: JSON logs with a request id, Prometheus metrics, optional Sentry.

Nothing personal goes out: a logged path has no query string (searches carry residents' names) and its
tokens masked (a one-time sign-in code in a log line must not be usable); no user names, phones or
bodies are logged or sent to Sentry.
"""
import json
import logging
import os
import re
import time
import uuid

from flask import Flask, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest

from .logpaths import loggable_path

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# --- Metrics --------------------------------------------------------------------------------------------
# In gunicorn each worker writes its own files under PROMETHEUS_MULTIPROC_DIR (set by gunicorn.conf.py);
# /metrics adds them up.
VISITS_INGESTED = Counter("fieldapp_visits_ingested_total", "Visits stored, by the door they came through",
                          ["channel"])
SYNC_BATCH_SECONDS = Histogram("fieldapp_sync_batch_seconds", "Time to answer one sync batch",
                               buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
RECORDS_REFUSED = Counter("fieldapp_sync_records_refused_total", "Records of sync batches answered 'rejected'",
                          ["kind"])
SIGN_IN_FAILURES = Counter("fieldapp_sign_in_failures_total", "Refused sign-ins (422) and throttled ones (429)",
                           ["reason"])
HTTP_RESPONSES = Counter("fieldapp_http_responses_total", "Responses by status class", ["status"])


def _elapsed() -> float:
    return time.perf_counter() - g.get("request_started", time.perf_counter())


def _observe(response) -> None:
    endpoint, status = request.endpoint, response.status_code
    HTTP_RESPONSES.labels(f"{status // 100}xx").inc()
    if endpoint == "api.visits_batch" and request.method == "POST":
        SYNC_BATCH_SECONDS.observe(_elapsed())
        if status == 200:
            created = 0
            for result in g.get("batch_results") or ():  # the route's answers (api.routes.visits_batch)
                if result.status == "rejected":
                    RECORDS_REFUSED.labels(str(result.kind)[:20]).inc()
                elif result.status == "created" and result.kind == "visit":
                    created += 1
            if created:
                VISITS_INGESTED.labels("sync").inc(created)
    elif endpoint == "visits.new" and request.method == "POST" and status == 302:
        VISITS_INGESTED.labels("form").inc()  # the form answers a stored visit with a redirect
    elif endpoint == "auth.login" and request.method == "POST" and status in (422, 429):
        SIGN_IN_FAILURES.labels("throttled" if status == 429 else "refused").inc()


def metrics_text() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


# --- Logs -----------------------------------------------------------------------------------------------
class JsonFormatter(logging.Formatter):
    """One JSON object a line, with the request id of the request being served."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
               "logger": record.name, "message": record.getMessage()}
        out.update(getattr(record, "fields", {}))
        if "request_id" not in out:
            try:
                out["request_id"] = g.get("request_id")
            except RuntimeError:
                pass  # outside a request
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def _install_log_handler(app: Flask) -> None:
    logger = logging.getLogger("fieldapp")
    if any(getattr(h, "_fieldapp", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler._fieldapp = True  # type: ignore[attr-defined]
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    from flask.logging import default_handler
    logger.removeHandler(default_handler)  # Flask's own logger is this one ("fieldapp"): one handler, JSON


access_log = logging.getLogger("fieldapp.access")


def init_observability(app: Flask) -> None:
    if not app.testing or app.config.get("LOG_TO_STDERR"):
        _install_log_handler(app)

    def _start():
        g.request_started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex

    # First of all: another hook may answer early (a body too large), and its answer is logged too.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)

    @app.after_request
    def _finish(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        _observe(response)
        if app.config["ACCESS_LOG"]:
            fields = {"method": request.method, "path": loggable_path(request.path), "status": response.status_code,
                      "duration_ms": round(_elapsed() * 1000, 1), "client_ip": request.remote_addr,
                      "request_id": g.get("request_id")}
            if g.get("api_token_id"):
                fields["api_token"] = g.api_token_id  # which machine read (the token's id, never the token)
            access_log.info("request", extra={"fields": fields})
        return response

    @app.get("/metrics")
    def metrics():
        """For Prometheus on the host itself (nginx does not pass /metrics), or with FIELDAPP_METRICS_TOKEN."""
        token = current_app.config.get("METRICS_TOKEN")
        allowed = request.remote_addr in ("127.0.0.1", "::1") if not token else (
            request.headers.get("Authorization") == f"Bearer {token}")
        if not allowed:
            from flask import abort
            abort(404)
        return metrics_text(), 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}

    _init_sentry(app)


def _scrub(event, _hint):
    """Sentry gets the error, the masked path and the request id; never the query, body, cookies or user."""
    from urllib.parse import urlsplit
    req = event.get("request") or {}
    if req.get("url"):
        parts = urlsplit(req["url"])
        req["url"] = f"{parts.scheme}://{parts.netloc}{loggable_path(parts.path)}"
    for key in ("query_string", "data", "cookies", "env"):
        req.pop(key, None)
    headers = req.get("headers") or {}
    req["headers"] = {k: v for k, v in headers.items() if k.lower() in ("user-agent", "x-request-id", "content-type")}
    event.pop("user", None)
    event.pop("breadcrumbs", None)  # SQL statements and log lines of the request: not needed to fix an error
    return event


def _init_sentry(app: Flask) -> None:
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration
    sentry_sdk.init(dsn=dsn, integrations=[FlaskIntegration()], before_send=_scrub,
                    environment=app.config.get("SENTRY_ENVIRONMENT") or "production", traces_sample_rate=0,
                    max_request_body_size="never", include_local_variables=False)
