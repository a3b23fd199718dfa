"""The task queue: Huey, with tasks that run inside an application context.

The Huey instance exists from import (so feature modules can declare tasks
with ``@task()``), and ``init_queue`` binds it to the app's storage:
SqliteHuey in ``instance/queue.sqlite`` by default, Redis when
``LMS_QUEUE_URL=redis://…``, in-memory immediate mode in tests.

Workers run ``huey_consumer wsgi.huey``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from flask import Flask, has_app_context
from huey import Huey
from huey.storage import RedisStorage, SqliteStorage

P = ParamSpec("P")
R = TypeVar("R")

huey = Huey("lms", immediate=True)
_bound: dict[str, Flask] = {}


def init_queue(app: Flask) -> None:
    url = app.config.get("QUEUE_URL")
    if app.config["QUEUE_IMMEDIATE"]:
        huey.storage_kwargs = {}
        huey.immediate = True
    else:
        if url and url.startswith(("redis://", "rediss://", "unix://")):
            huey.storage_class = RedisStorage
            huey.storage_kwargs = {"url": url}
        else:
            path = url.removeprefix("sqlite:///") if url else os.path.join(app.instance_path, "queue.sqlite")
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            huey.storage_class = SqliteStorage
            huey.storage_kwargs = {"filename": path, "timeout": 10}
        huey._immediate = False
        huey.storage = huey.create_storage()
    _bound["app"] = app
    app.extensions["huey"] = huey


def queue_kind() -> str:
    if huey.immediate:
        return "immediate"
    return "redis" if isinstance(huey.storage, RedisStorage) else "sqlite"


def check_queue() -> None:
    """Raise if the queue's storage cannot be reached."""
    huey.storage.queue_size()


def task(**options: Any) -> Callable[[Callable[P, R]], Any]:
    """Declare a Huey task that runs inside the bound app's context.

    In immediate mode, called from a request or a test, it runs in the
    caller's context (and so sees the caller's database session).
    """

    def decorator(fn: Callable[P, R]) -> Any:
        @functools.wraps(fn)
        def in_app_context(*args: P.args, **kwargs: P.kwargs) -> R:
            if has_app_context():
                return fn(*args, **kwargs)
            app = _bound.get("app")
            if app is None:
                raise RuntimeError("the task queue is not bound to an app: call create_app() first")
            with app.app_context():
                return fn(*args, **kwargs)

        return huey.task(**options)(in_app_context)

    return decorator


def periodic_task(schedule: Callable[[Any], bool]) -> Callable[[Callable[[], None]], Any]:
    """Declare a Huey periodic task (``schedule``: a ``huey.crontab``) run in the bound app's context.

    The consumer runs it; with no app bound yet (a process that never made one) it does nothing.
    """

    def decorator(fn: Callable[[], None]) -> Any:
        @functools.wraps(fn)
        def in_app_context() -> None:
            app = _bound.get("app")
            if app is None:
                return
            with app.app_context():
                fn()

        return huey.periodic_task(schedule)(in_app_context)

    return decorator
