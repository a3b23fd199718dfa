"""Analytics at national scale: dashboard queries from the rollups against the same measures from raw tables,
an incremental refresh after 10,000 new events, and a full rebuild.

    PYTHONPATH=. .venv/bin/python -P benchmarks/analytics.py --database postgresql://postgres@127.0.0.1:5432/national

The database is one filled by ``flask --app wsgi analytics seed-national`` (never the development one). In one
run: a full rebuild (``analytics.services.rebuild``, committed); each dashboard query from the rollups
``--repeat`` times (p50, p95) beside the same measure computed from the raw tables (``--raw-repeat`` times,
the median); 10,000 new learning events added after the rollups' time and an incremental refresh timed, then
the next one that also counts the snapshots again, as a refresh does hourly (both rolled back afterwards, so
the data set is left as it was). Prints Markdown tables for docs/benchmarks.md.
Then the officials' dashboard pages through the app (Flask's test client, signed in as an official the data set
keeps for it): each page ``--repeat`` times, p50 and p95.
Targets: each rollup query p95 ≤ 200 ms, each dashboard page p95 ≤ 300 ms, the refresh ≤ 10 s, the rebuild ≤ 5 min.
"""

from __future__ import annotations

import argparse
import functools
import random
import re
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import flask
import sqlalchemy as sa
from flask import Flask
from flask_login import login_user

from analytics import exports, queries, services
from analytics.periods import LOCAL_OFFSET_HOURS
from analytics.queries import Period, Scope
from lms.app import create_app
from lms.db import db
from lms.models import Role
from lms.services import accounts

OFFSET = f"INTERVAL '{LOCAL_OFFSET_HOURS} hours'"


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def raw(sql: str, **params: Any) -> Callable[[], Any]:
    """A raw query (values are bound; the only text put into them is the fixed local-time offset)."""
    return lambda: db.session.execute(sa.text(sql), params).all()


def cases(facts: dict[str, Any]) -> list[tuple[str, Callable[[], Any], Callable[[], Any]]]:
    """(question, from the rollups, from the raw tables) for the eight dashboard questions."""
    region, district, course = facts["region"], facts["district"], facts["course"]
    month = Period.months(facts["month"])
    weeks = Period.weeks(facts["monday"], 4)
    whole = Period.weeks(facts["first_monday"], facts["weeks"])
    month_params = {"first": month.first, "after": month.last + timedelta(days=1)}
    local = f"(e.timestamp AT TIME ZONE 'UTC') + {OFFSET}"
    return [
        (
            "overview by region, one month",
            lambda: queries.activity(Scope(), month),
            raw(
                f"""SELECT coalesce(s.region_id, 0), count(*) FILTER (WHERE e.verb = 'registered'),
                      count(*) FILTER (WHERE e.verb = 'completed' AND e.object_type = 'course'),
                      count(*) FILTER (WHERE e.verb = 'completed' AND e.object_type = 'lesson')
                    FROM learning_events e LEFT JOIN schools s ON s.id = e.school_id
                    WHERE {local} >= :first AND {local} < :after GROUP BY 1""",  # noqa: S608
                **month_params,
            ),
        ),
        (
            "overview by region, one month, rural schools only",
            lambda: queries.activity(Scope(), month, None, queries.Filters(settlement="rural")),
            raw(
                f"""SELECT s.region_id, count(*) FILTER (WHERE e.verb = 'registered'),
                      count(*) FILTER (WHERE e.verb = 'completed' AND e.object_type = 'course')
                    FROM learning_events e JOIN schools s ON s.id = e.school_id
                    WHERE s.settlement = 'rural' AND {local} >= :first AND {local} < :after GROUP BY 1""",  # noqa: S608
                **month_params,
            ),
        ),
        (
            "districts of a region, one month",
            lambda: queries.activity(Scope(region), month),
            raw(
                f"""SELECT coalesce(s.district_id, 0), count(*) FILTER (WHERE e.verb = 'registered'),
                      count(*) FILTER (WHERE e.verb = 'completed' AND e.object_type = 'course')
                    FROM learning_events e JOIN schools s ON s.id = e.school_id
                    WHERE s.region_id = :region AND {local} >= :first AND {local} < :after GROUP BY 1""",  # noqa: S608
                region=region,
                **month_params,
            ),
        ),
        (
            "schools of a district, four weeks",
            lambda: queries.school_activity(Scope(region, district), weeks),
            raw(
                f"""SELECT e.school_id, count(*) FILTER (WHERE e.verb = 'registered'),
                      count(*) FILTER (WHERE e.verb = 'completed' AND e.object_type = 'lesson')
                    FROM learning_events e JOIN schools s ON s.id = e.school_id
                    WHERE s.district_id = :district AND {local} >= :first AND {local} < :after GROUP BY 1""",  # noqa: S608
                district=district,
                first=weeks.first,
                after=weeks.last + timedelta(days=1),
            ),
        ),
        (
            "weekly trend, whole year, with learners active",
            lambda: queries.weekly_trend(whole),
            raw(
                f"""SELECT week, sum(learners) FROM (
                      SELECT date_trunc('week', {local}) AS week, e.school_id, count(DISTINCT e.actor) AS learners
                      FROM learning_events e GROUP BY 1, 2) per_school GROUP BY 1"""  # noqa: S608
            ),
        ),
        (
            "funnel of a course",
            lambda: queries.funnel(course),
            raw(
                """SELECT l.module_id, count(DISTINCT e.actor) FROM learning_events e
                    JOIN lessons l ON l.id = e.object_id
                    WHERE e.verb = 'experienced' AND e.object_type = 'lesson' AND e.course_id = :course
                    GROUP BY 1""",
                course=course,
            ),
        ),
        (
            "grade distribution, nation",
            lambda: queries.grade_distribution(Scope()),
            raw("SELECT least(grade / 10, 9), count(*) FROM certificates WHERE grade IS NOT NULL GROUP BY 1"),
        ),
        (
            "at risk by region",
            lambda: queries.at_risk(Scope()),
            raw(
                """SELECT coalesce(s.region_id, 0), count(*) FROM enrolments e JOIN users u ON u.id = e.user_id
                    LEFT JOIN schools s ON s.id = u.school_id
                    WHERE e.completed_at IS NULL AND e.last_activity_at < :cutoff GROUP BY 1""",
                cutoff=facts["as_of"] - timedelta(days=14),
            ),
        ),
        (
            "teachers trained by region, with headcounts",
            lambda: queries.people(Scope(), facts["school_year"]),
            raw(
                """SELECT coalesce(s.region_id, 0), count(*) FROM users u LEFT JOIN schools s ON s.id = u.school_id
                    WHERE u.role = 'teacher' AND EXISTS (SELECT 1 FROM enrolments e JOIN courses c ON c.id = e.course_id
                      WHERE e.user_id = u.id AND e.completed_at IS NOT NULL AND c.audience IN ('teachers', 'both'))
                    GROUP BY 1"""
            ),
        ),
    ]


def data_facts() -> dict[str, Any]:
    """What the data set holds: its time span, a busy region, district and course."""
    first, last = db.session.execute(sa.text("SELECT min(timestamp), max(timestamp) FROM learning_events")).one()
    region, district = db.session.execute(
        sa.text(
            "SELECT s.region_id, s.district_id FROM schools s WHERE s.district_id IS NOT NULL "
            "GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1"
        )
    ).one()
    course = db.session.execute(sa.text("SELECT min(id) FROM courses")).scalar_one()
    school_year = db.session.execute(sa.text("SELECT max(school_year) FROM headcounts")).scalar_one()
    first_monday = first.date() - timedelta(days=first.weekday())
    middle = first + (last - first) / 2
    return {
        "first": first,
        "as_of": last + timedelta(seconds=1),
        "first_monday": first_monday,
        "weeks": (last.date() - first_monday).days // 7 + 1,
        "monday": middle.date() - timedelta(days=middle.weekday()),
        "month": date(middle.year, middle.month, 1),
        "region": region,
        "district": district,
        "course": course,
        "school_year": school_year or "",
    }


#: The official the benchmark signs in as (added to the data set once; officials are in no count).
OFFICIAL = "benchmark.official@benchmark.aiskills.kz"


def pages(app: Flask, facts: dict[str, Any], repeat: int) -> None:
    """Each dashboard page as a national official gets it, through the whole request cycle."""
    official = accounts.get_user_by_email(OFFICIAL) or accounts.create_user(
        OFFICIAL, "Benchmark official", role=Role.OFFICIAL, language="ru"
    )
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session, app.test_request_context():
        accounts.start_sign_in(official, remember=False)
        db.session.commit()
        login_user(official)
        session.update(flask.session)
    month, region, course = facts["month"].strftime("%Y-%m"), facts["region"], facts["course"]
    district = facts["district"]
    start = facts["month"].year if facts["month"].month >= 9 else facts["month"].year - 1
    year = f"{start}-{start + 1}"
    last_week = facts["as_of"].date() - timedelta(days=facts["as_of"].weekday() + 7)
    iso_year, iso_week, _day = last_week.isocalendar()
    week = f"{iso_year}-W{iso_week:02d}"
    urls = {
        "the nation by region": f"/analytics/?period={month}",
        "the nation, the default term": "/analytics/",
        "the nation, a school year": f"/analytics/?period={year}",
        "the nation, one week": f"/analytics/?period={week}",
        "the nation, one course": f"/analytics/?period={month}&course={course}",
        "the nation, rural schools only": f"/analytics/?period={month}&settlement=rural",
        "the nation, a school year, schools teaching in Russian": f"/analytics/?period={year}&instruction=ru",
        "a region by district": f"/analytics/regions/{region}?period={month}",
        "a district by school": f"/analytics/regions/{region}/districts/{district}?period={month}",
        "the weekly chart (SVG), nation": f"/analytics/charts/trend.svg?period={month}",
        "the weekly chart (SVG), region": f"/analytics/charts/trend.svg?period={month}&region={region}",
    }
    #: Reports: asked for with the dashboard's form, made by the queue's task (run in the request here: the
    #: testing configuration's queue is immediate), then downloaded.
    reports = {
        "report: the nation, XLSX": {"kind": "xlsx", "period": month},
        "report: a region, PDF": {"kind": "pdf", "period": month, "region": str(region)},
    }
    html = client.get(f"/analytics/?period={month}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if token is None:
        raise SystemExit("no CSRF token on the dashboard")

    def get(url: str) -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")

    def report(form: dict[str, str]) -> None:
        asked = client.post("/analytics/reports", data={**form, "csrf_token": token.group(1)})
        if asked.status_code != 302 or "/analytics/reports/" not in asked.location:
            raise SystemExit(f"asking for a report answered {asked.status_code}")
        get(asked.location + "/download")

    print("\n| dashboard page | p50 | p95 |\n|---|---:|---:|")
    for label, url in urls.items():
        timings = timed(functools.partial(get, url), repeat)
        print(f"| {label} | {statistics.median(timings):.0f} ms | {p95(timings):.0f} ms |")
    for label, form in reports.items():
        timings = timed(functools.partial(report, form), repeat)
        print(f"| {label} | {statistics.median(timings):.0f} ms | {p95(timings):.0f} ms |")
    for listed in exports.reports_of(official):  # the benchmark's reports are not kept
        exports.delete(listed)
    db.session.commit()


def add_events(count: int, after: Any) -> None:
    """``count`` new learning events, copied from random existing ones and stamped in the minute after ``after``."""
    high = db.session.execute(sa.text("SELECT max(id) FROM learning_events")).scalar_one()
    rng = random.Random(1)
    ids = [rng.randint(1, high) for _ in range(count)]
    db.session.execute(
        sa.text(
            """INSERT INTO learning_events (actor, verb, object_type, object_id, course_id, score_raw, score_max,
                 success, completion, duration_seconds, registration, timestamp, region_id, school_id, class_id,
                 language, extra)
               SELECT actor, verb, object_type, object_id, course_id, score_raw, score_max, success, completion,
                 duration_seconds, registration, :after + (random() * INTERVAL '60 seconds'), region_id, school_id,
                 class_id, language, extra
               FROM learning_events WHERE id = ANY(:ids)"""
        ),
        {"after": after, "ids": ids},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a PostgreSQL URL of a seeded national data set")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--raw-repeat", type=int, default=3)
    parser.add_argument("--skip-rebuild", action="store_true", help="use the rollups as they are")
    parser.add_argument("--pages-only", action="store_true", help="time only the dashboard pages")
    options = parser.parse_args()
    app = create_app({"ENV": "testing", "TESTING": True, "DATABASE_URL": options.database})
    with app.app_context():
        facts = data_facts()
        counts = db.session.execute(
            sa.text(
                "SELECT (SELECT count(*) FROM users WHERE role = 'student'), (SELECT count(*) FROM schools), "
                "(SELECT count(*) FROM learning_events), (SELECT count(*) FROM enrolments)"
            )
        ).one()
        print(
            f"Data set: {counts[0]:,} students, {counts[1]:,} schools, {counts[2]:,} events, {counts[3]:,} "
            f"enrolments, {facts['weeks']} weeks from {facts['first']:%Y-%m-%d}.\n"
        )
        if options.pages_only:
            pages(app, facts, options.repeat)
            return
        if not options.skip_rebuild:
            started = time.perf_counter()
            report = services.rebuild(facts["as_of"])
            db.session.commit()
            total = time.perf_counter() - started
            services.vacuum_rollups()
            print(f"Full rebuild: {total:.1f} s")
            print(f"  emptying the rollups, staging tables: {total - report.seconds:.1f} s")
            took = {r.rollup: r.duration_ms / 1000 for r in services.last_refreshes()}
            for name, rows in report.rows.items():
                print(f"  {name}: {rows:,} rows, {took[name]:.1f} s")
            print()

        print("| question | rollups p50 | rollups p95 | raw tables (median) |\n|---|---:|---:|---:|")
        for label, from_rollups, from_raw in cases(facts):
            fast = timed(from_rollups, options.repeat)
            slow = timed(from_raw, options.raw_repeat)
            print(
                f"| {label} | {statistics.median(fast):.1f} ms | {p95(fast):.1f} ms | "
                f"{statistics.median(slow) / 1000:.2f} s |"
            )
        db.session.commit()
        pages(app, facts, options.repeat)

        as_of = services.data_as_of()
        add_events(10_000, as_of)
        db.session.flush()
        started = time.perf_counter()
        report = services.refresh(as_of + timedelta(minutes=2), snapshots=False)
        elapsed = time.perf_counter() - started
        print(f"\nIncremental refresh after 10,000 new events: {elapsed:.2f} s")
        for name, rows in report.rows.items():
            print(f"  {name}: {rows:,} rows written")
        started = time.perf_counter()
        report = services.refresh(as_of + timedelta(minutes=3), snapshots=True)
        elapsed = time.perf_counter() - started
        db.session.rollback()
        print(f"The next refresh, counting the snapshots again (hourly): {elapsed:.2f} s")
        for name, rows in report.rows.items():
            print(f"  {name}: {rows:,} rows written")


if __name__ == "__main__":
    main()
