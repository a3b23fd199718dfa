"""The JSON API base (/api/v1) and the app core's endpoints."""
