import sqlalchemy as sa

from analytics import targets
from analytics.models import Headcount, Indicator
from lms.db import db
from tests import factories


def test_import_headcounts_command(runner, tmp_path):
    school = factories.school(code="S-1")
    path = tmp_path / "headcounts.csv"
    path.write_bytes("school_code;school_year;teachers;grade_1\nS-1;2026-2027;12;30\n".encode("cp1251"))
    result = runner.invoke(args=["analytics", "import-headcounts", str(path), "--encoding", "cp1251"])
    assert result.exit_code == 0, result.output
    assert "1 added, 0 replaced" in result.output
    assert db.session.get(Headcount, (school.id, "2026-2027")).students == 30


def test_import_headcounts_command_prints_every_bad_line_and_fails(runner, tmp_path):
    factories.school(code="S-1")
    path = tmp_path / "headcounts.csv"
    path.write_bytes(b"school_code,school_year,teachers\nS-1,2026-2027,5\nNOPE,2026-2027,1\nS-1,2026,1\n")
    result = runner.invoke(args=["analytics", "import-headcounts", str(path)])
    assert result.exit_code == 1
    assert "line 3: NOPE" in result.output and "line 4: S-1" in result.output
    assert "2 bad rows; nothing was imported." in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Headcount)) == 0


def test_import_headcounts_command_refuses_an_unreadable_file(runner, tmp_path):
    path = tmp_path / "headcounts.csv"
    path.write_bytes(b"name\nx\n")
    result = runner.invoke(args=["analytics", "import-headcounts", str(path)])
    assert result.exit_code == 1


def test_set_target_command(runner):
    result = runner.invoke(args=["analytics", "set-target", "projects", "kz-71", "2027", "40"])
    assert result.exit_code == 0, result.output
    assert targets.targets(2027).value(Indicator.PROJECTS, factories.region("KZ-71").id) == 40


def test_set_target_command_refuses_bad_input(runner):
    for args, message in (
        (["projects", "KZ-00", "2027", "40"], "No region has the code KZ-00"),
        (["projects", "KZ-71", "1999", "40"], "The year must lie from 2020 to 2100"),
        (["projects", "KZ-71", "2027", "-4"], "whole number from 0"),
    ):
        result = runner.invoke(args=["analytics", "set-target", "--", *args])
        assert result.exit_code != 0 and message in result.output, result.output
    assert runner.invoke(args=["analytics", "set-target", "likes", "KZ-71", "2027", "4"]).exit_code == 2
