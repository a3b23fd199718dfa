"""Views (blueprints) of the app core."""
