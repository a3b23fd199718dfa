"""The demo's learners: several districts of Astana with enough learners that most cells of the Astana official's
dashboard show numbers, made through the services, with ten weeks of history."""

from __future__ import annotations

import sqlalchemy as sa

from analytics import dashboards
from analytics.queries import Scope
from certificates.models import Certificate
from lms.demo import seed_demo
from lms.models import Role, User
from tests import factories


def test_the_demo_gives_the_astana_official_numbers_in_most_cells(db, client, login):
    seed_demo()
    db.session.commit()
    astana = factories.region("KZ-71")
    official = db.session.scalar(sa.select(User).where(User.email == "official.astana@demo.aiskills.kz"))
    assert official is not None and official.role == Role.OFFICIAL
    selection = dashboards.select(official, None, None, None)
    assert selection.region is not None and selection.region.id == astana.id
    assert len(dashboards.months_with_data()) >= 2  # ten weeks of history
    assert selection.period is not None and selection.period.kind == "term"  # the newest month's term
    table = dashboards.overview(Scope(astana.id), selection.period.period, None, "en", "No district")
    districts = [row for row in table.rows if row.key]
    assert len(districts) >= 4
    cells = [row.counts[name] for row in districts for name in ("enrolments", "at_risk", "teachers")]
    shown = [cell for cell in cells if cell.value is not None]
    assert table.total is not None and table.total.counts["enrolments"].value
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) >= 40
    assert len(shown) >= len(cells) // 3, [c.value for c in cells]

    seed_demo()  # again: nothing more
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) < 200
