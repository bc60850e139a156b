"""Every permission rule lives in fieldapp/access/ (issue 20): no other module defines a can_/may_/manages_
predicate, and no route or template compares a role itself; templates ask the same predicates as routes."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREDICATE = re.compile(r"^(can|may|manages)_")
# A role compared in a template: `x.role == 'leader'`, `x.role in ('member', 'leader')`; showing a role's name
# (`ROLE_NAMES[m.role] if m.role in ROLE_NAMES`) is not a check.
TEMPLATE_ROLE_CHECK = re.compile(r"\.role\s*(==|!=)|\.role\s+(not\s+)?in\s+[(\[]|['\"](member|leader|commune_officer|"
                                 r"province_viewer|admin)['\"]\s*(==|!=|in\b)")


def _modules(root: Path):
    for path in sorted((root / "fieldapp").rglob("*.py")):
        if "access" not in path.relative_to(root / "fieldapp").parts[:1]:
            yield path, ast.parse(path.read_text(), str(path))


def predicates_outside_access(root: Path = ROOT) -> list[str]:
    return [f"{path.relative_to(root)}:{node.lineno} {node.name}"
            for path, tree in _modules(root) for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and PREDICATE.match(node.name)]


def _is_view_module(tree: ast.Module) -> bool:
    """A module that registers views: @bp.get/post/route/... decorators."""
    return any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and isinstance(d.func.value, ast.Name)
               and d.func.value.id == "bp" for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
               for d in node.decorator_list)


def _mentions_role(node: ast.AST) -> bool:
    """`x.role`, `Role.LEADER`, `Role.TEAM_ROLES` or a tuple of them."""
    return any((isinstance(n, ast.Attribute) and n.attr == "role")
               or (isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "Role")
               for n in ast.walk(node))


def role_checks_in_routes(root: Path = ROOT) -> list[str]:
    found = []
    for path, tree in _modules(root):
        if not _is_view_module(tree):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and _mentions_role(node):
                found.append(f"{path.relative_to(root)}:{node.lineno} {ast.unparse(node)}")
    return found


def role_checks_in_templates(root: Path = ROOT) -> list[str]:
    return [f"{path.relative_to(root)}:{n} {line.strip()[:100]}"
            for path in sorted((root / "templates").rglob("*.html"))
            for n, line in enumerate(path.read_text().splitlines(), 1) if TEMPLATE_ROLE_CHECK.search(line)]


def test_no_permission_predicate_outside_the_access_package():
    assert predicates_outside_access() == []


def test_no_route_compares_a_role_itself():
    assert role_checks_in_routes() == []


def test_no_template_compares_a_role_itself():
    assert role_checks_in_templates() == []


def test_the_checks_catch_what_they_forbid(tmp_path):
    """On main before issue 20 all three found their cases; a planted one must be found here too."""
    (tmp_path / "fieldapp" / "things").mkdir(parents=True)
    (tmp_path / "templates").mkdir()
    (tmp_path / "fieldapp" / "things" / "routes.py").write_text(
        "@bp.get('/x')\ndef x():\n    return current_user.role == Role.ADMIN\n\n\n"
        "def may_do(user):\n    return user.role in Role.TEAM_ROLES\n")
    (tmp_path / "templates" / "x.html").write_text("{% if current_user.role in ('member', 'leader') %}x{% endif %}\n"
                                                   "{{ ROLE_NAMES[m.role] if m.role in ROLE_NAMES else '' }}\n")
    assert predicates_outside_access(tmp_path) == ["fieldapp/things/routes.py:6 may_do"]
    assert len(role_checks_in_routes(tmp_path)) == 2  # the view and the helper beside it
    assert role_checks_in_templates(tmp_path) == ["templates/x.html:1 {% if current_user.role in ('member', 'leader') %}x{% endif %}"]


def test_templates_ask_the_same_predicates(app):
    import fieldapp.access as access
    for name, rule in access.predicates().items():
        assert app.jinja_env.globals[name] is rule
    assert {"can_see_dashboards", "is_in_team", "can_check_commune", "can_run_village"} <= set(access.predicates())
