"""Entry point for gunicorn (`gunicorn -w 4 wsgi:app`) and the flask command."""
from booking import create_app

app = create_app()
