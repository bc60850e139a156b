"""Entry point for gunicorn: `gunicorn wsgi:app` (migrate first: `flask --app fieldapp db upgrade`)."""
import gc

from fieldapp import create_app

app = create_app()
# What the app made at start (modules, the models' metadata, templates: most of a worker's objects) never
# becomes garbage: out of the collector's sight, a full collection in a heavy page (a province board builds
# 30,000 rows) no longer walks it. bench/pages.py does the same after its create_app.
gc.freeze()
