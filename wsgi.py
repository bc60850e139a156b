"""Entry point for gunicorn: `gunicorn wsgi:app` (migrate first: `flask --app fieldapp db upgrade`)."""
from fieldapp import create_app

app = create_app()
