"""Districts between region and school: the model, the school form, the CSV imports and the demo."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from lms.demo import DEMO_DISTRICTS, seed_demo
from lms.models import District, Role, School
from lms.services import imports, org, school_imports
from tests import factories
from tests.conftest import post_form

DISTRICTS = (
    "code,region,name_kk,name_ru,name_en\n"
    "D-SHA,KZ-61,Шардара ауданы,Шардаринский район,Shardara district\n"
    "D-ESL,KZ-71,Есіл ауданы,район Есиль,Yesil district\n"
).encode()


def test_a_school_may_name_a_district_of_its_own_region_only(db):
    astana, turkistan = org.region_by_code("KZ-71"), org.region_by_code("KZ-61")
    assert astana is not None and turkistan is not None
    shardara = org.create_district(turkistan.id, "D-1", "Шардара ауданы", "Шардаринский район", "Shardara district")
    school = factories.school("KZ-61")
    org.update_school(
        school,
        region_id=turkistan.id,
        code=school.code,
        name=school.name,
        kind=school.kind,
        language=school.language,
        settlement=school.settlement,
        district_id=shardara.id,
    )
    assert school.district is not None and school.district.name("ru") == "Шардаринский район"
    with pytest.raises(org.DistrictNotInRegion):
        factories.school("KZ-71", district_id=shardara.id)
    with pytest.raises(org.DistrictCodeTaken):
        org.create_district(astana.id, "D-1", "a", "b", "c")
    assert [d.code for d in org.districts(turkistan.id)] == ["D-1"]


def test_districts_and_schools_are_imported_from_the_ministrys_lists(db):
    report = school_imports.import_districts(DISTRICTS)
    assert sorted(d.code for d in report.districts) == ["D-ESL", "D-SHA"]
    schools = (
        "code,name,region,district,kind,language,settlement\n"
        "S-1,Шардара № 3 мектебі,KZ-61,D-SHA,school,kk,rural\n"
        "S-2,Астана колледжі,KZ-71,,college,ru,\n"
    ).encode()
    added = school_imports.import_schools(schools)
    assert (added.created, added.updated) == (2, 0)
    rural = org.school_by_code("S-1")
    assert rural is not None and rural.district is not None and rural.district.code == "D-SHA"
    assert rural.settlement.value == "rural"
    renamed = school_imports.import_schools(b"code,name,region,district\nS-2,Astana College,KZ-71,D-ESL\n")
    assert (renamed.created, renamed.updated) == (0, 1)
    college = org.school_by_code("S-2")
    assert college is not None and college.name == "Astana College" and college.district is not None


def test_a_bad_line_imports_nothing_and_every_bad_line_is_named(app, db):
    school_imports.import_districts(DISTRICTS)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(School))
    schools = (
        b"code,name,region,district\n"
        b"S-1,Good,KZ-61,D-SHA\n"
        b"S-2,Wrong district,KZ-71,D-SHA\n"
        b"S-3,No such region,KZ-00,\n"
        b"S-4,No such district,KZ-61,D-NONE\n"
        b"S-1,Twice,KZ-61,\n"
    )
    with pytest.raises(imports.ImportRejected) as refused, force_locale("en"):
        school_imports.import_schools(schools)
    with force_locale("en"):
        reasons = {error.line: str(error.reason) for error in refused.value.errors}
    assert reasons == {
        3: "the district D-SHA lies in another region",
        4: "unknown region KZ-00",
        5: "unknown district D-NONE",
        6: "the same code is on an earlier line",
    }
    assert db.session.scalar(sa.select(sa.func.count()).select_from(School)) == before
    with pytest.raises(imports.ImportRejected):
        school_imports.import_districts(DISTRICTS)  # the codes exist already


def test_the_commands_import_and_report(runner, tmp_path):
    (tmp_path / "districts.csv").write_bytes(DISTRICTS)
    (tmp_path / "schools.csv").write_bytes(b"code,name,region,district\nS-9,Nine,KZ-61,D-SHA\n")
    assert (
        "Imported 2 districts."
        in runner.invoke(args=["lms", "import-districts", str(tmp_path / "districts.csv")]).output
    )
    result = runner.invoke(args=["lms", "import-schools", str(tmp_path / "schools.csv")])
    assert result.exit_code == 0 and "1 added, 0 updated" in result.output


def test_the_school_form_offers_districts_and_refuses_one_of_another_region(client, login, db):
    turkistan = org.region_by_code("KZ-61")
    astana = org.region_by_code("KZ-71")
    assert turkistan is not None and astana is not None
    shardara = org.create_district(turkistan.id, "D-1", "Шардара ауданы", "Шардаринский район", "Shardara district")
    db.session.commit()
    login(factories.user(Role.ADMIN, language="en"))
    page = client.get("/admin/schools/new").get_data(as_text=True)
    assert "Shardara district" in page
    values = {"name": "New school", "code": "NEW-1", "kind": "school", "language": "kk", "settlement": "urban"}
    wrong = post_form(client, "/admin/schools/new", {**values, "region_id": astana.id, "district_id": shardara.id})
    assert "This district lies in another region." in wrong.get_data(as_text=True)
    right = post_form(client, "/admin/schools/new", {**values, "region_id": turkistan.id, "district_id": shardara.id})
    assert right.status_code == 302
    school = org.school_by_code("NEW-1")
    assert school is not None and school.district_id == shardara.id
    assert "Shardara district" in client.get("/admin/schools?q=new").get_data(as_text=True)


def test_the_demo_has_districts(db):
    seed_demo()
    seed_demo()  # idempotent
    codes = set(db.session.scalars(sa.select(District.code)))
    assert codes >= {code for _region, code, *_names in DEMO_DISTRICTS}
    demo_school = org.school_by_code("DEMO-TUR-001")
    assert demo_school is not None and demo_school.district is not None
