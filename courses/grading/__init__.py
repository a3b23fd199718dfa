"""Graders: pure functions ``(item spec, response) -> ItemResult``, one per item type, in a registry.

No database, no Flask request: the same graders serve the web pages, the API,
the CLI, background jobs and tests. See ``registry.py`` for the item types.
"""
