"""Entry point: ``gunicorn wsgi:app``, ``flask --app wsgi …`` and ``huey_consumer wsgi.huey``."""

import gc

from lms import create_app
from lms.queue import huey

app = create_app()

# What is loaded by now (modules, the app, its routes, templates' environment, ORM mappers) lives as
# long as the process. Frozen, it is left out of the garbage collector's full collections, which
# otherwise walk all of it: 0.1 s or more each, every few thousand requests, for every request
# waiting on that worker (the tail of the latency). Each app server process does this once, on load.
gc.collect()
gc.freeze()

__all__ = ["app", "huey"]
