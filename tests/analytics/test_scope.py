"""Scope: the demo Astana official walks every analytics page, chart, API route and report format (every period,
every course) and finds no other region's numbers or names — and nowhere a learner's name or pseudonymous id."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa

from analytics import dashboards
from analytics.queries import Scope
from courses.models import LearningEvent
from lms.demo import seed_demo
from lms.models import District, Region, Role, User
from lms.services import accounts
from tests.conftest import post_form

ASTANA_OFFICIAL = "official.astana@demo.aiskills.kz"


@pytest.fixture
def demo(db):
    seed_demo()
    db.session.commit()
    return db.session.scalar(sa.select(User).where(User.email == ASTANA_OFFICIAL))


def _forbidden_texts(astana: Region) -> list[str]:
    """Names of every other region and of the districts outside Astana, in the three languages; the learners'
    names and pseudonymous ids."""
    texts = []
    for region in Region.query.filter(Region.id != astana.id):
        texts += [region.name(language) for language in ("kk", "ru", "en")]
    for district in District.query.filter(District.region_id != astana.id):
        texts += [district.name(language) for language in ("kk", "ru", "en")]
    learners = User.query.filter(User.role == Role.STUDENT).all()
    texts += [learner.full_name for learner in learners]
    return [t for t in texts if t]


def _actors(db) -> list[str]:
    return list(db.session.scalars(sa.select(LearningEvent.actor).distinct()))


def test_the_astana_official_sees_only_astana_everywhere(db, client, login, demo, tmp_path):
    astana = db.session.scalar(sa.select(Region).where(Region.code == "KZ-71"))
    others = [r for r in db.session.scalars(sa.select(Region)) if r.id != astana.id]
    forbidden = _forbidden_texts(astana)
    actors = _actors(db)
    login(demo)
    selection = dashboards.select(demo, None, None, None)
    periods = [p.key for p in selection.periods]
    courses = ["", *(str(c.id) for c in selection.courses)]
    token = accounts.issue_api_token(demo).secret
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "ru"}
    seen: list[tuple[str, bytes]] = []

    def fetch(url: str, **kwargs) -> bytes:
        response = client.get(url, **kwargs)
        assert response.status_code == 200, (url, response.status_code)
        body = response.get_data()
        response.close()
        seen.append((url, body))
        return body

    for period in periods:
        for course in courses:
            query = f"period={period}" + (f"&course={course}" if course else "")
            fetch(f"/analytics/regions/{astana.id}?{query}")
            fetch(f"/analytics/charts/trend.svg?region={astana.id}&{query}")
            fetch(f"/analytics/charts/grades.svg?region={astana.id}&{query}")
            if course:
                fetch(f"/analytics/charts/funnel.svg?region={astana.id}&{query}")
            overview = client.get(f"/api/v1/analytics/overview?{query}", headers=headers).get_json()
            assert overview["region"] == astana.id
            seen.append((f"api {query}", str(overview).encode()))
            for route in ("trend", "indicators", "grades", *(["funnel"] if course else [])):
                answer = client.get(f"/api/v1/analytics/{route}?{query}", headers=headers)
                assert answer.status_code == 200 and answer.get_json()["region"] == astana.id, route
                seen.append((f"api {route} {query}", answer.get_data()))
            # The numbers are Astana's: its districts' shown cells, and nothing of another region.
            cells = dashboards.counted(
                Scope(astana.id), dashboards.period_of(period).period, int(course) if course else None
            )
            assert {row["key"] for row in overview["rows"]} <= {
                0,
                *(d.id for d in District.query.filter_by(region_id=astana.id)),
            }
            assert set(cells) <= {row["key"] for row in overview["rows"]}
    # Every district of Astana by school, on the page, its chart and the API, with the schools' filters too.
    for district in District.query.filter_by(region_id=astana.id):
        query = f"period={selection.period.key}&region={astana.id}&district={district.id}"
        fetch(f"/analytics/regions/{astana.id}/districts/{district.id}?period={selection.period.key}")
        fetch(f"/analytics/regions/{astana.id}/districts/{district.id}?period={selection.period.key}&kind=school")
        fetch(f"/analytics/charts/trend.svg?{query}")
        answer = client.get(f"/api/v1/analytics/overview?{query}&settlement=urban", headers=headers)
        assert answer.status_code == 200 and answer.get_json()["level"] == "school"
        seen.append((f"api district {district.id}", answer.get_data()))
    # Every report format, for the default period and every course.
    for course in courses:
        for kind in ("xlsx", "csv", "pdf"):
            data = {"kind": kind, "period": selection.period.key, "region": str(astana.id)} | (
                {"course": course} if course else {}
            )
            asked = post_form(client, "/analytics/reports", data, page=f"/analytics/regions/{astana.id}")
            assert asked.status_code == 302, asked.status_code
            body = fetch(asked.location + "/download")
            if kind == "xlsx":
                book = openpyxl.load_workbook(io.BytesIO(body))
                text = "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row)
                seen.append((f"{kind} cells", text.encode()))
            elif kind == "csv":
                list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
            else:
                from tests.certificates.test_pdf import run, tool

                run(tool("pdftotext"), "-enc", "UTF-8", data=body, tmp=tmp_path)
                seen.append((f"{kind} text", (tmp_path / "document.txt").read_bytes()))
    fetch("/analytics/reports")

    mine = [d.name("ru") for d in District.query.filter_by(region_id=astana.id)]
    assert len(seen) > 50 and all(any(name in b.decode(errors="replace") for _w, b in seen) for name in mine)
    for where, body in seen:
        text = body.decode("utf-8", errors="replace")
        for name in forbidden:
            assert name not in text, (where, name)
        for actor in actors:
            assert actor not in text, (where, "a pseudonymous id")

    # Other regions: every page, chart, API answer and report request is refused.
    for region in others:
        assert client.get(f"/analytics/regions/{region.id}").status_code == 403
        assert client.get(f"/analytics/charts/trend.svg?region={region.id}").status_code == 403
        assert client.get(f"/api/v1/analytics/overview?region={region.id}", headers=headers).status_code == 403
        for route in ("trend", "indicators", "grades", "funnel"):
            url = f"/api/v1/analytics/{route}?region={region.id}&course={selection.courses[0].id}"
            assert client.get(url, headers=headers).status_code == 403, url
        data = {"kind": "csv", "period": selection.period.key, "region": str(region.id)}
        assert post_form(client, "/analytics/reports", data, page="/analytics/reports").status_code == 403
    # The nation's page sends the regional official to their region; its API answer is theirs.
    assert client.get("/analytics/").location.startswith(f"/analytics/regions/{astana.id}")
