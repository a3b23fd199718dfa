"""The application factory."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from lms.config import CONFIGS, DEV_SECRET_KEY, Config

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class InsecureConfiguration(RuntimeError):
    """The app would run outside debug/testing with a development secret."""


class DatabaseId(IntegerConverter):
    """``<int:…>`` in every route: at most a 64-bit signed integer, so an id no column can hold answers 404
    (the database would refuse it with an error, a 500)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(config: type[Config] | Mapping[str, Any] | None = None) -> Flask:
    """Build the app.

    ``config`` is a config class, or a mapping applied on top of the class
    that ``LMS_ENV`` names (production by default). ``LMS_*`` environment
    variables are read unless the configuration is for testing.
    """
    app = Flask("lms", instance_path=os.path.join(PROJECT_ROOT, "instance"))
    app.url_map.converters["int"] = DatabaseId
    _configure(app, config)
    _init_database(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _connect_signals(app)
    if app.config["PROXY_COUNT"]:
        # Outermost, so everything inside sees the client's address and scheme.
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]
    return app


def _configure(app: Flask, config: type[Config] | Mapping[str, Any] | None) -> None:
    if isinstance(config, type):
        app.config.from_object(config)
        overrides: Mapping[str, Any] = {}
    else:
        overrides = config or {}
        env = overrides.get("ENV") or os.environ.get("LMS_ENV", "production")
        if env not in CONFIGS:
            raise InsecureConfiguration(f"LMS_ENV must be one of {', '.join(CONFIGS)}, not {env!r}")
        app.config.from_object(CONFIGS[env])
    if not app.config["TESTING"]:
        app.config.from_prefixed_env("LMS")
    app.config.update(overrides)

    if not (app.config["DEBUG"] or app.config["TESTING"]):
        # Production never signs with development keys, whatever the environment says.
        app.config["DEVELOPMENT_KEYS_ALLOWED"] = False
        secret = app.config["SECRET_KEY"]
        if not secret or secret == DEV_SECRET_KEY or len(str(secret)) < 32:
            raise InsecureConfiguration(
                "Set LMS_SECRET_KEY to a random value of at least 32 characters "
                "(python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
    logging.basicConfig(level=logging.INFO if not app.config["TESTING"] else logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    if not (app.config["DEBUG"] or app.config["TESTING"]) and str(app.config["RATELIMIT_STORAGE_URI"]).startswith(
        "memory:"
    ):
        logging.getLogger("lms").warning(
            "Rate limits are kept in each process's memory: every gunicorn worker and app server counts on "
            "its own, so sign-in and verification limits are multiplied. Set LMS_RATELIMIT_STORAGE_URI="
            "redis://… (shared by all app servers)."
        )


def database_url(app: Flask) -> str:
    url = app.config.get("DATABASE_URL")
    if not url:
        os.makedirs(app.instance_path, exist_ok=True)
        return "sqlite:///" + os.path.join(app.instance_path, "lms.sqlite")
    # Hosting platforms often hand out postgres:// URLs; the driver is psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return str(url)


def _init_database(app: Flask) -> None:
    import analytics.models  # noqa: F401 - feature models join the metadata (and migrations)
    import certificates.models  # noqa: F401
    import courses.models  # noqa: F401
    import lms.models  # noqa: F401
    from lms.db import configure_sqlite, db, ping_idle_connections

    url = database_url(app)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if url.startswith("sqlite"):
        options.setdefault("connect_args", {}).setdefault("timeout", 30)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    with app.app_context():
        if url.startswith("sqlite"):
            configure_sqlite(db.engine)
        elif not options.get("pool_pre_ping"):
            ping_idle_connections(db.engine)


def _init_extensions(app: Flask) -> None:
    from lms import i18n, labels
    from lms.api.base import LmsApi
    from lms.db import db
    from lms.errors import register_error_handlers
    from lms.extensions import babel, csrf, limiter, login_manager, migrate
    from lms.queue import init_queue
    from lms.security import init_security_headers

    migrate.init_app(
        app, db, directory=os.path.join(PROJECT_ROOT, "migrations"), render_as_batch=True, compare_type=True
    )
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=os.path.join(PROJECT_ROOT, "lms", "translations"),
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    _init_login_messages()
    limiter.init_app(app)
    init_security_headers(app)
    api = LmsApi()
    api.init_app(
        app,
        spec_kwargs={
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            }
        },
    )
    app.extensions["lms.api"] = api
    register_error_handlers(app)
    init_queue(app)

    @app.context_processor
    def template_globals() -> dict[str, Any]:
        return {
            "LANGUAGE_NAMES": i18n.LANGUAGE_NAMES,
            "current_language": i18n.current_language(),
            **labels.template_globals(),
        }


def _init_login_messages() -> None:
    from flask_babel import lazy_gettext as _l

    from lms.extensions import login_manager
    from lms.services import accounts

    login_manager.login_message = _l("Sign in to see this page.")
    login_manager.user_loader(accounts.user_for_session_id)


def _register_blueprints(app: Flask) -> None:
    from analytics import api as analytics_api
    from analytics import views as analytics_views
    from analytics.dashboard_views import dashboard
    from certificates import api as certificates_api
    from certificates import views as certificates_views
    from courses import api as courses_api
    from courses import editor, teaching
    from courses import views as courses_views
    from lms.api import accounts as api_accounts
    from lms.extensions import csrf
    from lms.health import bp as health_bp
    from lms.views import admin, auth, classes, home, tasks

    for blueprint in (
        health_bp,
        home.bp,
        auth.bp,
        classes.bp,
        admin.bp,
        tasks.bp,
        courses_views.bp,
        teaching.bp,
        editor.bp,
        certificates_views.bp,
        analytics_views.bp,
        dashboard,
    ):
        app.register_blueprint(blueprint)
    api = app.extensions["lms.api"]
    for api_blueprint in (api_accounts.blp, courses_api.blp, certificates_api.blp, analytics_api.blp):
        csrf.exempt(api_blueprint)
        api.register_blueprint(api_blueprint)


def _register_cli(app: Flask) -> None:
    from analytics.cli import analytics_cli
    from certificates.cli import certificates_cli
    from courses.cli import courses_cli
    from lms.cli import lms_cli

    app.cli.add_command(lms_cli)
    app.cli.add_command(courses_cli)
    app.cli.add_command(certificates_cli)
    app.cli.add_command(analytics_cli)


def _connect_signals(app: Flask) -> None:
    """Effects that run against the dependency direction are connected here (see DESIGN.md)."""
    import analytics.tasks  # noqa: F401 - registers the rollups' refresh with the queue
    import certificates.tasks  # noqa: F401 - registers the certificates' tasks with the queue
    import lms.tasks  # noqa: F401 - registers the core's tasks with the queue
    from analytics import demo as analytics_demo
    from certificates import keys as certificate_keys
    from certificates import services as certificate_services
    from courses import demo as courses_demo
    from courses.sandbox import detect_level
    from courses.services.learning import course_completed
    from lms.demo import demo_seeded

    demo_seeded.connect(courses_demo.on_demo_seeded, weak=False)
    demo_seeded.connect(analytics_demo.on_demo_seeded, weak=False)  # after the courses': its learners take one
    certificate_keys.check_keys(app)
    course_completed.connect(certificate_services.on_course_completed, weak=False)
    # Detected once per process (a probe run on first use), then cached.
    app.extensions.setdefault("lms.health_info", {})["sandbox"] = lambda: detect_level().value
