"""The platform core: app factory, configuration, accounts and roles, organisations,
languages, the API base, the task queue."""

from lms.app import create_app

__all__ = ["create_app"]
