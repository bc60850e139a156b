"""One commit point per request (fieldapp/unit_of_work.py): a success commits what the view wrote, a refusal
or an error rolls it back, and no route commits by hand."""
import ast
from pathlib import Path

from flask import abort
from sqlalchemy import select

from fieldapp import unit_of_work
from fieldapp.extensions import db
from fieldapp.forms import RuleForm
from fieldapp.models import Area
from fieldapp.rules import RuleError

ROOT = Path(__file__).resolve().parent.parent


def _add(code: str) -> None:
    db.session.add(Area(level="province", code=code, name=code, name_folded=code.lower(), path=f"/{code}/"))
    db.session.flush()


def _codes() -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(select(Area.code).where(Area.code.like("T%"))))


def test_a_success_commits_and_a_refusal_or_an_error_rolls_back(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    seen = []

    @app.post("/t/ok")
    def ok():
        _add("T1")
        unit_of_work.after_commit(lambda: seen.append("committed T1"))
        return "ok"

    @app.post("/t/refused")
    def refused():
        _add("T2")
        unit_of_work.after_commit(lambda: seen.append("committed T2"))
        abort(404)

    @app.post("/t/boom")
    def boom():
        _add("T3")
        raise RuntimeError("boom")

    @app.post("/t/kept")
    def kept():
        _add("T4")
        unit_of_work.keep_on_refusal()
        return "counted", 401

    @app.post("/t/rule")
    def rule():
        form = RuleForm(meta={"csrf": False})
        _add("T5")
        with unit_of_work.rule_check(form) as check:
            _add("T6")
            raise RuleError("Không được.")
        assert not check.passed and check.error.message == "Không được."
        assert form.form_errors == ["Không được."]
        _add("T7")  # written after the refusal was shown: the answer is a success, so it stays
        return "shown"

    client = app.test_client()
    with app.app_context():
        assert client.post("/t/ok").status_code == 200
        assert client.post("/t/refused").status_code == 404
        assert client.post("/t/boom").status_code == 500
        assert client.post("/t/kept").status_code == 401
        assert client.post("/t/rule").status_code == 200
        assert _codes() == {"T1", "T4", "T7"}
        assert seen == ["committed T1"]


def _is_route(fn: ast.FunctionDef) -> bool:
    return any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in
               ("route", "get", "post", "put", "patch", "delete") for d in fn.decorator_list)


def test_no_route_commits_by_hand():
    """Routes write through operations; the commit point commits. Every view function of fieldapp/ (decorated
    with a blueprint's route) and every module named routes.py is checked. (A rollback that discards a
    refused write before the form is drawn again is allowed.)"""
    offenders = []
    for path in sorted((ROOT / "fieldapp").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scopes = [tree] if path.name == "routes.py" else [
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and _is_route(n)]
        for scope in scopes:
            for node in ast.walk(scope):
                if (isinstance(node, ast.Attribute) and node.attr == "commit"
                        and ast.unparse(node.value) == "db.session"):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
