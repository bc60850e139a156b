"""One commit point per request, as Indico's request handler has one.

A view writes through the operations and never commits. When it has answered, `finish` ends the request's
transaction: what it wrote is committed if the answer is a success (status below 400), and rolled back if it is a
refusal or an error (a 4xx after a partial write, a 500), so nothing half-written stays. A write that must outlive a
refusal (the throttle counting a failed sign-in that answers 401) says so with `keep_on_refusal()`. Locks held to
the commit (the SQLite writers' turn) are released by `when_done` callbacks after it.

A business rule refusing an operation raises RuleError; `rule_check` turns it into what the user sees:

    with rule_check(form) as check:
        team = create_team(current_user, village, form.name.data)
    if check.passed:
        return redirect(...)
    return render_template(..., form=form), 422   # the messages under the fields, the input kept

Without a form, the message is flashed (POST-only buttons).
"""
from collections.abc import Callable
from types import TracebackType

from flask import Flask, Response, flash, g

from .extensions import db
from .rules import RuleError


def keep_on_refusal() -> None:
    """Commit this request's writes even if it answers with a refusal (4xx)."""
    g._keep_on_refusal = True


def when_done(callback: Callable[[], None]) -> None:
    """Run `callback` once this request's transaction has ended, committed or rolled back (a lock's release)."""
    g.setdefault("_when_done", []).append(callback)


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` after this request's writes are committed (never if they are rolled back): handing a
    job to the worker, which reads the job's row from another connection."""
    g.setdefault("_after_commit", []).append(callback)


def finish(success: bool) -> None:
    """End the request's transaction: commit on success, roll back otherwise; then the when_done callbacks,
    then, if it committed, the after_commit ones. A commit that fails rolls back (and raises: the answer
    becomes an error page)."""
    committed = False
    try:
        if success:
            try:
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
            committed = True
        else:
            db.session.rollback()
    finally:
        for callback in reversed(g.pop("_when_done", [])):
            callback()
        then = g.pop("_after_commit", [])
    if committed:
        for callback in then:
            callback()


def _commit_point(response: Response) -> Response:
    finish(response.status_code < 400 or g.pop("_keep_on_refusal", False))
    return response


def _release(_exc: BaseException | None) -> None:
    """An exception before the commit point ran (another hook failing): still release what is held."""
    if g.get("_when_done") or g.get("_after_commit"):
        finish(False)


def init_app(app: Flask) -> None:
    app.after_request(_commit_point)
    app.teardown_request(_release)


class rule_check:  # noqa: N801 - a context manager, named for how it reads
    """Run the block's write; if a business rule refuses it (RuleError): roll back at once, so the page that
    answers reads the database as it was, and show why: under the form's fields (`fallback`: the field for a
    message of no field of the form), every message under one `field`, flashed when neither is given, or
    not at all (`quiet`: the caller shows `error` its own way). Other exceptions pass through. `passed` says whether the block ran to its end; `error` is the refusal."""

    def __init__(self, form=None, *, field=None, fallback=None, quiet: bool = False):
        self.form, self.field, self.fallback, self.quiet = form, field, fallback, quiet
        self.passed = False
        self.error: RuleError | None = None

    def __enter__(self) -> "rule_check":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 _tb: TracebackType | None) -> bool:
        if exc is None:
            self.passed = True
            return False
        if not isinstance(exc, RuleError):
            return False
        db.session.rollback()
        self.error = exc
        if self.quiet:
            pass
        elif self.field is not None:
            self.field.errors = list(self.field.errors) + list(exc.errors.values())
        elif self.form is not None:
            self.form.apply_errors(exc.errors, fallback=self.fallback)
        else:
            flash(exc.message, "error")
        return True
