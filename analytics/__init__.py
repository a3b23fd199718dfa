"""Analytics: aggregate queries, rollups, dashboards and reports.

Reads from every package; nothing imports it.
"""
