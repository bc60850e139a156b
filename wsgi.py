"""Entry point for gunicorn: `gunicorn wsgi:app` (migrate first: `flask --app fieldapp db upgrade`)."""
from fieldapp import create_app, settle_worker

app = create_app()
settle_worker()  # in each worker (the app is not preloaded: gunicorn.conf.py); the benches do the same
