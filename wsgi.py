"""The WSGI entry point for production servers: ``gunicorn wsgi:app``."""

from fieldapp import create_app

app = create_app()
