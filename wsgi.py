"""Entry point: ``gunicorn wsgi:app``, ``flask --app wsgi …`` and ``huey_consumer wsgi.huey``."""

from lms import create_app
from lms.queue import huey

app = create_app()

__all__ = ["app", "huey"]
