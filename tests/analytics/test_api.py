"""/api/v1/analytics: the dashboard's numbers, with its scope and disclosure rule."""

from __future__ import annotations

from datetime import date

import pytest

from analytics import dashboards
from analytics.queries import Period, Scope
from lms.models import Role
from lms.services import accounts
from tests import factories
from tests.analytics.test_dashboard import country  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("country")


def _headers(role: Role = Role.OFFICIAL, scope_region: str | None = None) -> dict[str, str]:
    user = factories.user(role, scope_region=scope_region)
    return {"Authorization": "Bearer " + accounts.issue_api_token(user).secret, "Accept-Language": "en"}


def test_the_overview_answers_as_the_page_does(client):
    body = client.get("/api/v1/analytics/overview?period=2026-09", headers=_headers()).get_json()
    almaty = factories.region("KZ-71")
    row = next(r for r in body["rows"] if r["key"] == almaty.id)
    assert body["level"] == "region" and body["period"]["key"] == "2026-09" and body["region"] is None
    assert row["name"] == almaty.name("en")
    # The page's numbers: 12 enrolled and 8 completed, each perturbed by at most 3.
    table = dashboards.overview(Scope(), Period.months(date(2026, 9, 1)), None, "en", "No school")
    page = next(r for r in table.rows if r.key == almaty.id)
    assert row["counts"] == {name: shown.value for name, shown in page.counts.items()}
    assert abs(row["counts"]["enrolments"] - 12) <= 3 and abs(row["counts"]["completions"] - 8) <= 3
    assert row["rates"]["completion_rate"]["percent"] == page.rates["completion_rate"].percent
    other = next(r for r in body["rows"] if r["key"] == factories.region("KZ-75").id)
    assert other["counts"]["enrolments"] is None  # 3: fewer than 5
    assert table.total is not None and body["total"]["counts"]["enrolments"] == table.total.counts["enrolments"].value
    assert "under 5" in body["rule"] and "adjusted" in body["rule"] and body["data_as_of"]


def test_the_trend_answers_as_the_chart_does(client):
    body = client.get("/api/v1/analytics/trend?period=2026-09", headers=_headers()).get_json()
    assert len(body["weeks"]) == 12
    assert {"learners_active", "enrolments", "completions"} == set(body["weeks"][0]["counts"])
    assert all(v is None or v >= 5 for week in body["weeks"] for v in week["counts"].values())


def test_a_regional_official_gets_their_region_by_district_and_no_other(client):
    headers = _headers(scope_region="KZ-71")
    body = client.get("/api/v1/analytics/overview", headers=headers).get_json()
    assert body["region"] == factories.region("KZ-71").id and body["level"] == "district"
    other = factories.region("KZ-75").id
    for route in ("overview", "trend", "indicators", "grades", "funnel"):
        response = client.get(f"/api/v1/analytics/{route}?region={other}", headers=headers)
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("query", "status"),
    [("period=1999-01", 422), ("period=soon", 422), ("course=999999", 422), ("course=x", 422), ("region=999999", 404)]
    + [("region=99999999999999999999", 422), ("course=-1", 422), ("region=0", 422)],
)
def test_bad_filters_get_a_clear_answer(client, query, status):
    response = client.get(f"/api/v1/analytics/overview?{query}", headers=_headers())
    assert response.status_code == status
    assert response.get_json()["error"]["message"]


@pytest.mark.parametrize("role", [Role.STUDENT, Role.TEACHER, Role.MENTOR])
def test_others_are_refused(client, role):
    assert client.get("/api/v1/analytics/overview", headers=_headers(role)).status_code == 403


def test_without_a_token(client):
    assert client.get("/api/v1/analytics/overview").status_code == 401


def test_the_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for route in ("overview", "trend", "indicators", "funnel", "grades"):
        assert f"/api/v1/analytics/{route}" in paths


def test_the_indicators_and_coverage_answer_as_the_page_does(client):
    body = client.get("/api/v1/analytics/indicators?period=2026-09", headers=_headers()).get_json()
    by_name = {item["indicator"]: item for item in body["indicators"]}
    assert set(by_name) == {"certificates_issued", "teachers_trained", "advanced_learners", "projects"}
    assert by_name["projects"]["counted"] is False and by_name["projects"]["value"] is None
    issued = by_name["certificates_issued"]
    assert issued["counted"] is True and issued["label"] == "Certificates issued"
    assert issued["value"] is None or issued["value"] >= 5
    assert body["year"] == 2026 and set(body["coverage"]) >= {"students_enrolled", "students_rate"}


def test_the_funnel_needs_a_course_and_counts_its_modules_in_order(client, country):  # noqa: F811
    headers = _headers()
    response = client.get("/api/v1/analytics/funnel", headers=headers)
    assert response.status_code == 422 and "course" in response.get_json()["error"]["message"]
    body = client.get(f"/api/v1/analytics/funnel?course={country.course.id}", headers=headers).get_json()
    modules = sorted(country.course.modules, key=lambda m: m.position)
    assert [m["module"] for m in body["modules"]] == [m.id for m in modules]
    assert all(m["learners"] is None or m["learners"] >= 5 for m in body["modules"])


def test_the_grades_count_certificates_by_decile(client):
    body = client.get("/api/v1/analytics/grades", headers=_headers()).get_json()
    assert [b["bucket"] for b in body["buckets"]] == list(range(10))
    assert body["buckets"][7]["label"] == "70–79%"
    assert all(b["certificates"] is None or b["certificates"] >= 5 for b in body["buckets"])


def test_a_district_by_school_and_the_schools_filters(client, country):  # noqa: F811
    headers = _headers()
    first = country.schools[0]
    region = first.region_id
    url = f"/api/v1/analytics/overview?period=2026-09&region={region}&district={first.district_id}"
    body = client.get(url, headers=headers).get_json()
    assert body["level"] == "school" and body["district"] == first.district_id
    assert [row["key"] for row in body["rows"]] == [first.id] and body["rows"][0]["name"] == first.name
    assert client.get(f"/api/v1/analytics/overview?district={first.district_id}", headers=headers).status_code == 422
    other = factories.region("KZ-75").id
    wrong = f"/api/v1/analytics/overview?region={other}&district={first.district_id}"
    assert client.get(wrong, headers=headers).status_code == 404
    filtered = client.get("/api/v1/analytics/overview?period=2026-09&kind=school&settlement=urban", headers=headers)
    assert filtered.status_code == 200 and filtered.get_json()["filters"] == {"kind": "school", "settlement": "urban"}
    assert 0 not in {row["key"] for row in filtered.get_json()["rows"] if row["counts"]["enrolments"]}
    for query in ("kind=castle", "settlement=moon", "instruction=klingon"):
        response = client.get(f"/api/v1/analytics/overview?{query}", headers=headers)
        assert response.status_code == 422, query
    grades = client.get(f"/api/v1/analytics/grades?kind=college&course={country.course.id}", headers=headers)
    assert grades.status_code == 200 and all(b["certificates"] is None for b in grades.get_json()["buckets"])
