"""The officials' dashboard: scoped on the server, every count passed through the disclosure rule."""

from __future__ import annotations

import re
from datetime import date

import pytest

from analytics import dashboards, disclosure, queries, services
from analytics.disclosure import Shown
from analytics.queries import Period, Scope
from lms.db import db, utcnow
from lms.models import Role, User
from tests import factories
from tests.analytics import world as worlds

SEPTEMBER = Period.months(date(2026, 9, 1))


@pytest.fixture
def country(db):
    """The small world, with 12 more students of the first school enrolled (8 of them completing) in September."""
    built = worlds.build()
    crowd = [factories.user(school_id=built.schools[0].id, password=None) for _ in range(12)]
    for n, student in enumerate(crowd):
        if n < 8:
            built.complete_course(student, built.course, worlds.later(days=1 + n / 10), grade=70 + n)
        else:
            built.enrol(student, built.course, worlds.later(days=1))
    for student in built.students[6:9]:  # the school of the second region: three learners
        built.enrol(student, built.course, worlds.later(days=2))
    db.session.flush()
    services.rebuild(worlds.later(days=20))
    db.session.flush()
    built.students.extend(crowd)
    return built


def test_the_overview_perturbs_and_suppresses_every_count(country):
    table = dashboards.overview(Scope(), SEPTEMBER, None, "en", "No school")
    by_key = {row.key: row for row in table.rows}
    almaty, other = by_key[factories.region("KZ-71").id], by_key[factories.region("KZ-75").id]
    assert worlds.near(almaty.counts["enrolments"], 12)  # 12 enrolled: 9 to 15
    assert worlds.near(almaty.counts["completions"], 8)  # 8 completed: 5 to 11
    assert other.counts["enrolments"] == Shown(None)  # 3: "<5"
    enrolled, completed = almaty.counts["enrolments"].value, almaty.counts["completions"].value
    assert enrolled and completed
    rate = almaty.rates["completion_rate"]  # from the shown counts, not 8 of 12
    assert rate.percent == round(100 * completed / enrolled) or (rate.code == ">" and completed >= enrolled)
    assert table.total is not None
    # The total's own true count (15) perturbed by its own key: not the sum of the rows as shown.
    assert worlds.near(table.total.counts["enrolments"], 15)
    parts = dashboards.counted(Scope(), SEPTEMBER, None)
    total = sum((p["enrolments"] for parts in parts.values() for p in parts if "enrolments" in p), queries.Measure())
    assert total.count == 15 and table.total.counts["enrolments"] == disclosure.shown(15, total.key)


def test_the_national_official_drills_into_a_region(client, login, country):
    login(factories.user(Role.OFFICIAL, language="en"))
    html = client.get("/analytics/?period=2026-09").get_data(as_text=True)
    region = factories.region("KZ-71")
    assert f'href="/analytics/regions/{region.id}?period=2026-09"' in html
    assert "Data as of" in html and "no child can be singled out" in html
    page = client.get(f"/analytics/regions/{region.id}?period=2026-09")
    assert page.status_code == 200
    assert "District" in page.get_data(as_text=True)


def test_a_regional_official_sees_only_their_region(client, login, country):
    login(factories.user(Role.OFFICIAL, scope_region="KZ-71", language="en"))
    mine, other = factories.region("KZ-71"), factories.region("KZ-75")
    response = client.get("/analytics/?period=2026-09")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/analytics/regions/{mine.id}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert other.name("en") not in html
    assert client.get(f"/analytics/regions/{other.id}").status_code == 403
    assert client.get("/analytics/regions/999999").status_code == 404
    # Only the filters travel with the redirect: no other query name reaches the region's address.
    response = client.get(f"/analytics/?region_id={other.id}&course=x&period=2026-09")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/analytics/regions/{mine.id}?period=2026-09&course=x"


def test_no_name_or_pseudonym_reaches_a_page(client, login, country):
    login(factories.user(Role.OFFICIAL, language="en"))
    region = factories.region("KZ-71")
    pages = [client.get(url).get_data(as_text=True) for url in ("/analytics/", f"/analytics/regions/{region.id}")]
    people = db.session.scalars(db.select(User).where(User.role.in_((Role.STUDENT, Role.TEACHER)))).all()
    for html in pages:
        for person in people:
            assert person.full_name not in html
            assert worlds.actor_of(person) not in html
        # No number in a cell is a count under 5 ("<5" instead).
        for cell in re.findall(r'<td class="num">([^<]*)</td>', html):
            value = cell.strip().replace("\u00a0", "").replace(",", "")
            if value.isdigit():
                assert int(value) >= 5, cell


@pytest.mark.parametrize("role", [Role.STUDENT, Role.TEACHER, Role.MENTOR])
def test_learners_teachers_and_mentors_are_refused(client, login, role, country):
    login(factories.user(role))
    assert client.get("/analytics/").status_code == 403


def test_unknown_filters_are_ignored_not_errors(client, login, country):
    login(factories.user(Role.OFFICIAL, language="en"))
    for query in ("period=1999-01", "period=%ff", "course=abc", "course=999999999999999999999"):
        assert client.get(f"/analytics/?{query}").status_code == 200


def test_the_trend_is_weeks_of_shown_counts(country):
    trend = dashboards.trend(None, None, SEPTEMBER)
    assert len(trend.weeks) == dashboards.TREND_WEEKS and all(week.weekday() == 0 for week in trend.weeks)
    assert trend.weeks[-1] <= date(2026, 9, 30) < trend.weeks[-1] + dashboards.timedelta(days=7)
    week = trend.weeks.index(worlds.MONDAY.date() + dashboards.timedelta(days=1))  # the Monday in local time
    assert worlds.near(trend.series["enrolments"][week], 15)  # 12 + 3 enrolled that week
    assert "learners_active" not in dashboards.trend(None, country.course.id, SEPTEMBER).series


def test_the_chart_is_an_svg_image_with_its_own_policy(client, login, country):
    login(factories.user(Role.OFFICIAL, language="en"))
    html = client.get("/analytics/?period=2026-09").get_data(as_text=True)
    src = re.search(r'<img src="(/analytics/charts/trend\.svg[^"]*)"', html)
    assert src is not None and 'alt="A line chart' in html
    response = client.get(src.group(1).replace("&amp;", "&"))
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    svg = response.get_data(as_text=True)
    assert svg.lstrip().startswith("<?xml") and "Week by week: The whole country" in svg


def test_a_regional_official_gets_only_their_regions_chart(client, login, country):
    login(factories.user(Role.OFFICIAL, scope_region="KZ-71", language="en"))
    mine, other = factories.region("KZ-71"), factories.region("KZ-75")
    assert client.get("/analytics/charts/trend.svg?period=2026-09").status_code == 200
    assert client.get(f"/analytics/charts/trend.svg?period=2026-09&region={mine.id}").status_code == 200
    assert client.get(f"/analytics/charts/trend.svg?period=2026-09&region={other.id}").status_code == 403
    assert client.get("/analytics/charts/trend.svg?period=2026-09&region=99999").status_code == 404


def test_administrators_reach_the_dashboard_from_the_analytics_pages(client, login, country):
    login(factories.user(Role.ADMIN, language="en"))
    assert 'href="/analytics/"' in client.get("/admin/analytics/refreshes").get_data(as_text=True)
    assert client.get("/analytics/?period=2026-09").status_code == 200


def test_the_funnel_and_grades_are_shown_counts(country):
    course = country.course
    steps = dashboards.funnel(Scope(), course, "en")
    assert [s.title for s in steps] == [m.title_in("en") for m in sorted(course.modules, key=lambda m: m.position)]
    assert all(step.learners.value is None or step.learners.value >= 5 for step in steps)
    grades = dashboards.grades(Scope(), course.id)
    assert len(grades) == 10 and worlds.near(grades[7], 8)  # 8 certificates graded 70 to 77


def test_the_page_shows_the_funnel_for_a_course_and_the_grades(client, login, country):
    login(factories.user(Role.OFFICIAL, language="en"))
    html = client.get(f"/analytics/?period=2026-09&course={country.course.id}").get_data(as_text=True)
    assert "Where learners drop off" in html and "Grades of the certificates" in html
    assert "70–79%" in html
    assert "Where learners drop off" not in client.get("/analytics/?period=2026-09").get_data(as_text=True)


def test_indicators_against_targets_and_coverage_against_headcounts(db, client, login, country):
    from analytics import targets
    from analytics.models import Headcount, Indicator

    almaty = factories.region("KZ-71")
    targets.set_target(None, Indicator.CERTIFICATES_ISSUED, almaty.id, 2026, 20)
    targets.set_target(None, Indicator.CERTIFICATES_ISSUED, factories.region("KZ-75").id, 2026, 30)
    db.session.add(Headcount(school_id=country.schools[0].id, school_year="2026-2027", students=40, teachers=10))
    db.session.flush()
    nation = {p.indicator: p for p in dashboards.indicators(Scope(), 2026, Shown(None))}
    issued = nation[Indicator.CERTIFICATES_ISSUED]
    assert issued.target == 50 and issued.value is not None and worlds.near(issued.value, 8)  # 8 certificates
    assert issued.percent == round(100 * (issued.value.value or 0) / 50)
    assert nation[Indicator.PROJECTS].value is None  # not counted yet
    region = {p.indicator: p for p in dashboards.indicators(Scope(almaty.id), 2026, Shown(None))}
    assert region[Indicator.CERTIFICATES_ISSUED].target == 20
    services.rebuild(utcnow())  # accounts are counted as they are now: the crowd was made today
    covered = dashboards.coverage(Scope(almaty.id), "2026-2027")
    assert covered.headcount_students == 40 and worlds.near(covered.students_enrolled, 12)  # 12 of school 0
    assert covered.students_rate.percent == round(100 * (covered.students_enrolled.value or 0) / 40)

    login(factories.user(Role.OFFICIAL, language="en"))
    html = client.get("/analytics/?period=2026-09").get_data(as_text=True)
    assert "Programme indicators, 2026" in html and "not counted yet" in html and "Coverage against" in html


def test_the_overview_ranks_regions_by_a_measure_small_ones_last(client, login, country):
    table = dashboards.overview(Scope(), SEPTEMBER, None, "en", "No school")
    by_enrolments = dashboards.ranked(table.rows, "enrolments")
    assert by_enrolments[0].key == factories.region("KZ-71").id  # 12 enrolled, the most
    assert by_enrolments[-1].key == 0  # the unassigned bucket last
    shown = [row.counts["enrolments"].value or -1 for row in by_enrolments[:-1]]
    assert shown == sorted(shown, reverse=True)
    assert dashboards.ranked(table.rows, "nonsense") == table.rows
    login(factories.user(Role.OFFICIAL, language="en"))
    html = client.get("/analytics/?period=2026-09&sort=completion_rate").get_data(as_text=True)
    assert '<option value="completion_rate" selected>' in html


def test_the_funnel_and_grades_are_charts_beside_their_tables(client, login, country):
    login(factories.user(Role.OFFICIAL, scope_region="KZ-71", language="en"))
    mine, other = factories.region("KZ-71"), factories.region("KZ-75")
    course = country.course.id
    html = client.get(f"/analytics/regions/{mine.id}?period=2026-09&course={course}").get_data(as_text=True)
    assert "/analytics/charts/funnel.svg" in html and "/analytics/charts/grades.svg" in html
    for name in ("funnel", "grades"):
        response = client.get(f"/analytics/charts/{name}.svg?region={mine.id}&period=2026-09&course={course}")
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
        assert b'class="title' in response.data and b"<script" not in response.data
        assert client.get(f"/analytics/charts/{name}.svg?region={other.id}&course={course}").status_code == 403
    assert (
        b"Where learners drop off" in client.get(f"/analytics/charts/funnel.svg?region={mine.id}&course={course}").data
    )
    assert client.get(f"/analytics/charts/funnel.svg?region={mine.id}").status_code == 404  # a course is needed


def test_a_region_drills_into_a_district_by_school(client, login, country):
    login(factories.user(Role.OFFICIAL, language="en"))
    first = country.schools[0]
    region = factories.region("KZ-71")
    html = client.get(f"/analytics/regions/{region.id}?period=2026-09").get_data(as_text=True)
    link = f'href="/analytics/regions/{region.id}/districts/{first.district_id}?period=2026-09"'
    assert link in html
    page = client.get(f"/analytics/regions/{region.id}/districts/{first.district_id}?period=2026-09")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert first.name in html and '<th scope="col">School</th>' in html
    assert f'href="/analytics/regions/{region.id}?period=2026-09"' in html  # the breadcrumb back to the region
    table = dashboards.overview(Scope(region.id, first.district_id), SEPTEMBER, None, "en", "-")
    assert [row.key for row in table.rows] == [first.id]
    assert worlds.near(table.rows[0].counts["enrolments"], 12)  # the crowd of the first school
    # A district is its region's: another region's address for it is not found.
    other = factories.region("KZ-75")
    assert client.get(f"/analytics/regions/{other.id}/districts/{first.district_id}").status_code == 404
    assert client.get(f"/analytics/regions/{region.id}/districts/999999").status_code == 404


def test_a_regional_official_cannot_open_another_regions_district(client, login, country):
    login(factories.user(Role.OFFICIAL, scope_region="KZ-75", language="en"))
    first = country.schools[0]
    region = factories.region("KZ-71")
    assert client.get(f"/analytics/regions/{region.id}/districts/{first.district_id}").status_code == 403
    url = f"/analytics/charts/trend.svg?region={region.id}&district={first.district_id}&period=2026-09"
    assert client.get(url).status_code == 403


def test_the_schools_filters_narrow_every_number_and_say_so(client, login, country):
    from lms.models import SchoolKind

    second = country.schools[1]
    second.kind = SchoolKind.COLLEGE
    db.session.flush()
    login(factories.user(Role.OFFICIAL, language="en"))
    html = client.get("/analytics/?period=2026-09&kind=college&course=" + str(country.course.id)).get_data(as_text=True)
    assert "The whole country (College)" in html and '<option value="college" selected>' in html
    assert 'id="funnel-title"' in html and 'id="grades-title"' in html  # kept per kind of school too
    assert "kind=college" in html  # the drill links and the charts keep the filter
    assert '<input type="hidden" name="school_kind" value="college">' in html
    colleges = dashboards.overview(Scope(), SEPTEMBER, None, "en", "-", dashboards.filters_of({"kind": "college"}))
    assert colleges.total is not None and colleges.total.counts["enrolments"] == Shown(None)  # one learner
    # An unknown value is no filter on a page.
    assert "The whole country (" not in client.get("/analytics/?period=2026-09&kind=castle").get_data(as_text=True)
    chart = client.get(f"/analytics/charts/trend.svg?period=2026-09&kind=college&course={country.course.id}")
    assert chart.status_code == 200
    assert client.get(f"/analytics/charts/funnel.svg?course={country.course.id}&kind=college").status_code == 200
    # The college's one learner: every module and grade "<5"; the schools' grades are those of the whole country.
    college = dashboards.filters_of({"kind": "college"})
    assert all(step.learners == Shown(None) for step in dashboards.funnel(Scope(), country.course, "en", college))
    assert dashboards.grades(Scope(), country.course.id, college) == [Shown(None)] * 10
    schools = dashboards.grades(Scope(), country.course.id, dashboards.filters_of({"kind": "school"}))
    assert schools == dashboards.grades(Scope(), country.course.id)  # every certificate holder at a school


def test_a_period_of_a_whole_week_counts_from_the_weekly_rollups(client, login, country):
    monday = worlds.MONDAY.date() + dashboards.timedelta(days=1)  # the crowd's week, in local time
    year, number, _day = monday.isocalendar()
    key = f"{year}-W{number:02d}"
    choice = dashboards.period_of(key)
    assert choice is not None and choice.kind == "week" and choice.period == Period.weeks(monday)
    assert dashboards.period_of("2026-W54") is None and dashboards.period_of("2026-W00") is None
    almaty = factories.region("KZ-71").id
    counted = queries.true_totals(dashboards.counted(Scope(), choice.period, None))
    assert counted[almaty]["enrolments"] == 12 and counted[almaty]["certificates_issued"] == 8
    # A week and the month it lies in count the same people the same way: the week is part of September.
    month = queries.true_totals(dashboards.counted(Scope(), SEPTEMBER, None))
    for row, values in counted.items():
        for name in ("enrolments", "completions"):
            assert values.get(name, 0) <= month.get(row, {}).get(name, 0)
    login(factories.user(Role.OFFICIAL, language="en"))
    html = client.get(f"/analytics/?period={key}").get_data(as_text=True)
    assert f'<option value="{key}" selected>Week of' in html
    district = client.get(f"/analytics/regions/{almaty}?period={key}&kind=school")
    assert district.status_code == 200
