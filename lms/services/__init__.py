"""Services of the app core: plain functions that flush and never commit."""
