"""Services of the courses package: plain functions that flush and never commit."""
