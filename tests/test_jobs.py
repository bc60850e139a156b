"""Background jobs (fieldapp/jobs) with the real worker, on SQLite and PostgreSQL: a job reports its
progress, survives a worker restart (stopped as systemd stops it, and killed) and ends exactly once."""
import os
import signal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.jobs import operations as jobs
from fieldapp.models import AuditLog, Job, JobState
from tests import job_app  # noqa: F401 (registers "test_steps" in this process too)
from tests.servers import database_url_of, start_worker, wait_ready


def _job(app, world, steps=12, pause=0.4) -> str:
    job = jobs.submit(world.users["officer"], "test_steps", {"steps": steps, "pause": pause, "title": "Thử"},
                      world.commune)
    db.session.commit()
    jobs.start(job.id)
    return job.id


def _status(client, job_id) -> dict:
    r = client.get(f"/jobs/{job_id}.json")
    assert r.status_code == 200
    return r.get_json()


def _wait(client, job_id, test, timeout=60):
    import time
    deadline = time.monotonic() + timeout
    while True:
        state = _status(client, job_id)
        if test(state):
            return state
        assert time.monotonic() < deadline, state
        time.sleep(0.2)


def _worker(url, tmp_path: Path, log: Path):
    proc = start_worker(url, tmp_path / "instance", log, app="tests.job_app")
    wait_ready(proc, log, since=0)
    return proc


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["restart", "crash"])
def test_a_job_reports_progress_and_survives_a_worker_restart(make_app, tmp_path, stop):
    app = make_app(JOBS_INLINE=False)
    with app.app_context():
        from tests.factories import build_world
        world = build_world()
        url = database_url_of(app)
        log = tmp_path / "worker.log"
        worker = _worker(url, tmp_path, log)
        try:
            job_id = _job(app, world)
            client = app.test_client()
            client.post("/login", data={"phone": "0900000001", "password": "secret-pass-1"})
            running = _wait(client, job_id, lambda s: s["state"] == "running" and (s["done"] or 0) >= 3)
            assert 0 < running["percent"] < 100 and running["total"] == 12 and running["step"].startswith("bước")
            page = client.get(f"/jobs/{job_id}").text
            assert '<progress max="100" value="' in page and 'http-equiv="refresh"' in page
            worker.send_signal(stop)  # in the middle of the job
            worker.wait(timeout=30)
            db.session.expire_all()
            assert db.session.get(Job, job_id).state == JobState.RUNNING
            size = log.stat().st_size
            worker = start_worker(url, tmp_path / "instance", log, app="tests.job_app")
            wait_ready(worker, log, since=size)
            done = _wait(client, job_id, lambda s: s["state"] in JobState.FINISHED)
            assert done["state"] == "done" and done["percent"] == 100, done
            db.session.expire_all()
            job = db.session.get(Job, job_id)
            assert job.attempts == 2 and job.result["summary"] == "xong sau 2 lần chạy"
            # The first run's work was rolled back with it: one end, not two.
            assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
                AuditLog.action == "test_steps_done", AuditLog.entity_id == job_id)) == 1
            page = client.get(f"/jobs/{job_id}").text
            assert "xong sau 2 lần chạy" in page and 'value="100"' in page and "http-equiv" not in page
        finally:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)


def test_only_the_user_who_asked_sees_a_job(app, world, client, auth):
    job = jobs.submit(world.users["officer"], "rebuild_tallies", {}, world.commune)
    job.state = JobState.DONE
    db.session.commit()
    auth.login("0900000011")  # another commune's officer
    assert client.get(f"/jobs/{job.id}").status_code == 404
    assert client.get(f"/jobs/{job.id}.json").status_code == 404
    auth.logout()
    auth.login("0900000001")
    assert client.get(f"/jobs/{job.id}").status_code == 200
    assert client.get("/jobs/" + "x" * 300).status_code == 404


def test_a_finished_job_is_not_run_again_and_a_refusal_is_a_message(app, world):
    from fieldapp.tallies.operations import rebuild_counters  # noqa: F401
    job = jobs.submit(world.users["officer"], "rebuild_tallies", {}, None)  # not an admin
    db.session.commit()
    assert jobs.run(job.id) == JobState.FAILED
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.error == "Chỉ quản trị viên được tính lại số liệu." and job.attempts == 1
    assert jobs.run(job.id) == JobState.FAILED and db.session.get(Job, job.id).attempts == 1


def test_an_admin_rebuilds_the_counters_in_the_background(app, world, client, auth):
    from tests.tally_helpers import recount, stored
    from fieldapp.timeutil import utcnow
    from fieldapp.visits.operations import VisitData, log_visit
    from datetime import timedelta
    log_visit(world.users["member"], world.households["h1"], VisitData("helped", utcnow() - timedelta(hours=1),
                                                                       counts={"vneid": 2}))
    db.session.commit()
    auth.login("0900000000")
    r = client.post("/admin/rebuild-tallies", follow_redirects=True)
    assert r.status_code == 200 and "/jobs/" in r.request.path and "Đã tính lại số liệu" in r.text
    assert stored() == recount()
    assert client.post("/admin/rebuild-tallies").status_code == 302
    auth.logout()
    auth.login("0900000001")
    assert client.post("/admin/rebuild-tallies").status_code == 403


def test_a_large_export_is_made_by_the_worker_with_a_download(app, world, client, auth, monkeypatch):
    import io

    from openpyxl import load_workbook

    from fieldapp.counting import today
    from fieldapp.exports import routes
    from fieldapp.timeutil import utcnow
    from fieldapp.visits.operations import VisitData, log_visit
    from datetime import timedelta
    from tests.test_dashboards import _age
    _age(world)
    for days in (1, 2, 3):
        log_visit(world.users["member"], world.households["h1"], VisitData("not_home", utcnow() - timedelta(days=days)))
    db.session.commit()
    monkeypatch.setattr(routes, "XLSX_INLINE_ROWS", 2)
    auth.login("0900000001")
    d = today()
    url = f"/exports/download?area={world.commune.id}&from={(d - timedelta(days=9)).isoformat()}&to={d.isoformat()}"
    r = client.get(url + "&format=xlsx")
    assert r.status_code == 302 and "/jobs/" in r.headers["Location"]
    page = client.get(r.headers["Location"]).text
    assert "3 lượt thăm" in page and "Tải tệp về" in page
    f = client.get(r.headers["Location"] + "/download")
    assert f.status_code == 200 and "attachment" in f.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(f.data)).worksheets[0]
    assert sheet.max_row == 1 + 3
    small = client.get(url + "&format=csv")  # under its own limit: answered at once
    assert small.status_code == 200 and small.mimetype.startswith("text/csv")
