"""Every route, every role, inside and outside its scope (see tests/route_matrix.py)."""
from tests.route_matrix import REGISTRY, extend_world, missing_entries, run_matrix


def test_every_route_has_an_entry_in_the_matrix(app):
    missing, stale = missing_entries(app)
    assert not missing, f"Routes without an access entry in tests/route_matrix.py REGISTRY: {sorted(missing)}"
    assert not stale, f"REGISTRY entries for routes that no longer exist: {sorted(stale)}"


def test_a_new_route_without_an_entry_is_caught(make_app):
    app = make_app()

    @app.get("/brand-new")
    def brand_new():
        return "hi"

    assert missing_entries(app)[0] == {"brand_new"}


def test_route_matrix(app, world, restore_services):
    problems = run_matrix(app, extend_world(world))
    assert not problems, "\n" + "\n".join(problems)


def test_the_matrix_notices_a_route_that_lets_too_much_through(app, world, restore_services):
    """A test that cannot fail is not a test: loosen one expectation and the matrix must object."""
    from dataclasses import replace
    loose = dict(REGISTRY)
    loose["households.edit"] = replace(REGISTRY["households.edit"], expect={**REGISTRY["households.edit"].expect,
                                                                           "officer": "ok"})
    loose["visits.team"] = replace(REGISTRY["visits.team"], public=True)
    problems = run_matrix(app, extend_world(world), registry=loose, roles=("anonymous", "officer"))
    assert any("officer   GET  /households/" in p and "/edit (inside): expected ok, got 403" in p for p in problems)
    assert any("anonymous GET  /visits/team" in p for p in problems)


def test_the_matrix_notices_personal_data_shown_to_the_province(app, world, restore_services, monkeypatch):
    """Loosen the minimum-access rule and the matrix must object (the marks are really on the pages)."""
    import fieldapp.access.personal
    monkeypatch.setattr(fieldapp.access.personal, "personal_data_scope", lambda user: "")
    registry = {k: REGISTRY[k] for k in ("households.show", "households.village", "api.households", "audit_log.index")}
    problems = run_matrix(app, extend_world(world), registry=registry, roles=("province", "admin"))
    for endpoint_path in ("GET  /households/", "GET  /villages/", "GET  /api/v1/households"):
        assert any(endpoint_path in p and "shows residents' personal data" in p for p in problems), endpoint_path
    assert any("admin     GET  /audit" in p and "personal data" in p for p in problems)


def test_the_matrix_reads_its_rules_from_the_access_package(app, world, restore_services, monkeypatch):
    """Entries built with ROLE()/RULE() take each role's answer from fieldapp/access: change a rule there (and not
    in the routes, which keep the real one) and the matrix must see the routes disagree."""
    import fieldapp.access
    from tests.route_matrix import RULE, ROLE, Rule
    assert isinstance(REGISTRY["joining.invite"].expect["leader"], Rule)
    assert REGISTRY["joining.invite"].expect == dict(zip(("member", "leader", "officer", "province", "admin"),
                                                         RULE(fieldapp.access.can_lead_team)))
    assert REGISTRY["exports.index"].expect["member"] == ROLE(fieldapp.access.can_see_dashboards)[0]
    monkeypatch.setattr(fieldapp.access, "can_lead_team", lambda user, team: True)
    monkeypatch.setattr(fieldapp.access, "can_see_dashboards", lambda user: False)
    registry = {k: REGISTRY[k] for k in ("joining.invite", "exports.index")}
    problems = run_matrix(app, extend_world(world), registry=registry, roles=("officer",))
    assert any("officer   GET  /teams/" in p and "/invite (inside): expected ok, got 403" in p for p in problems)
    assert any("officer   GET  /exports" in p and "expected 403, got 200" in p for p in problems), problems
