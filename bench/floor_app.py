"""The benchmark's WSGI app: the real fieldapp plus one bare route, `/bench/floor`, that inserts
one row into a small table of its own (created by bench/ingest.py). It measures what the server,
gunicorn, Flask and the database cost for the simplest possible write, the floor the real ingest
routes are compared with. It exists only here: the production app (wsgi.py) has no such route.

Run by bench/ingest.py as `gunicorn -c gunicorn.conf.py bench.floor_app:app`."""
import uuid

from sqlalchemy import text

from fieldapp import create_app
from fieldapp.extensions import csrf, db

app = create_app()


@app.post("/bench/floor")
@csrf.exempt  # benchmark app only: the floor is a bare insert, no session, no form
def floor():
    db.session.execute(text("INSERT INTO bench_floor (id, note) VALUES (:id, :note)"),
                       {"id": str(uuid.uuid4()), "note": "floor"})
    db.session.commit()
    return "ok\n"
