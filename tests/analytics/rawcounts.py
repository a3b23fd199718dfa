"""Every rollup's rows computed directly from the raw tables, in Python: what the rollups must hold.

Written from the measures' definitions, not from the SQL in ``analytics.rollups``, so the two can disagree. Each
count's record keys are summed beside it (``<measure>_key``): a learner's acts and distinct learners by the
learner's pseudonym, accounts and certificates by the account.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from analytics.periods import month_start, week_start
from analytics.record_keys import account_key, actor_key
from certificates.models import Certificate
from courses.models import Course, CourseAudience, Enrolment, LearningEvent, Lesson
from lms.db import db
from lms.models import Role, School, User

Rows = dict[str, dict[tuple[Any, ...], dict[str, int]]]


def _where(school_id: int | None, schools: dict[int, School]) -> tuple[int, int, int]:
    school = schools.get(school_id or 0)
    if school is None:
        return 0, 0, 0
    return school.id, school.region_id, school.district_id or 0


def _stratum(school_id: int | None, schools: dict[int, School]) -> tuple[str, str, str]:
    """A school's kind, settlement and language of instruction ("" for no school)."""
    school = schools.get(school_id or 0)
    if school is None:
        return "", "", ""
    return school.kind.value, school.settlement.value, school.language.value


def expected(until: datetime) -> Rows:
    """The rows of every rollup (keys → measures), counting what is stamped before ``until``."""
    schools = {s.id: s for s in db.session.scalars(sa.select(School))}
    events = [e for e in db.session.scalars(sa.select(LearningEvent)) if e.timestamp < until]
    enrolments = {e.id: e for e in db.session.scalars(sa.select(Enrolment))}
    lessons = {lesson.id: lesson for lesson in db.session.scalars(sa.select(Lesson))}
    users = {u.id: u for u in db.session.scalars(sa.select(User))}
    courses = {c.id: c for c in db.session.scalars(sa.select(Course))}
    certificates = list(db.session.scalars(sa.select(Certificate)))

    rows: Rows = defaultdict(lambda: defaultdict(Counter))  # type: ignore[arg-type]
    active: dict[str, dict[tuple[Any, ...], set[str]]] = defaultdict(lambda: defaultdict(set))
    for e in events:
        school, region, district = _where(e.school_id, schools)
        week, month = week_start(e.timestamp), month_start(e.timestamp)
        active["school_weeks"][(week, school)].add(e.actor)
        rows["school_weeks"][(week, school)]["region_id"] = region
        rows["school_weeks"][(week, school)]["district_id"] = district
        if e.course_id is None:
            continue
        measures: Counter[str] = Counter()
        if (e.verb, e.object_type) == ("registered", "course"):
            measures["enrolments"] += 1
        if (e.verb, e.object_type) == ("completed", "lesson"):
            measures["lessons_completed"] += 1
        if (e.verb, e.object_type) == ("attempted", "assignment"):
            measures["attempts"] += 1
        if e.verb in ("attempted", "scored") and e.success:
            measures["passes"] += 1
        if (e.verb, e.object_type) == ("completed", "course"):
            measures["completions"] += 1
            enrolment = enrolments[e.registration or 0]
            measures["completion_seconds"] += round((e.timestamp - enrolment.enrolled_at).total_seconds())
        for measure in ("enrolments", "lessons_completed", "attempts", "passes", "completions"):
            measures[f"{measure}_key"] += measures[measure] * actor_key(e.actor)
        for name, key in (
            ("course_weeks", (week, school, e.course_id)),
            ("district_weeks", (week, region, district, e.course_id)),
            ("district_months", (month, region, district, e.course_id)),
            ("school_months", (month, school, e.course_id)),
        ):
            rows[name][key].update(measures)
            for measure in ("enrolments", "lessons_completed", "attempts", "passes", "completions"):
                rows[name][key][measure] += 0
                rows[name][key][f"{measure}_key"] += 0
        rows["school_months"][(month, school, e.course_id)]["region_id"] = region
        rows["school_months"][(month, school, e.course_id)]["district_id"] = district
        rows["course_weeks"][(week, school, e.course_id)]["region_id"] = region
        rows["course_weeks"][(week, school, e.course_id)]["district_id"] = district
        active["course_weeks"][(week, school, e.course_id)].add(e.actor)
        if e.object_type == "assignment" and e.verb in ("attempted", "scored"):
            key = (e.object_id, region, district)
            for measure in ("attempts", "passes", "attempts_key", "passes_key"):
                rows["assignments"][key][measure] += measures[measure]
            rows["assignments"][key]["course_id"] = e.course_id
        if (e.verb, e.object_type) == ("experienced", "lesson"):
            module = lessons[e.object_id].module_id
            stratum = _stratum(e.school_id, schools)
            active["module_reach"][(e.course_id, module, region, district, *stratum)].add(e.actor)

    for name, groups in active.items():
        measure = "learners" if name == "module_reach" else "learners_active"
        for key, actors in groups.items():
            rows[name][key][measure] = len(actors)
            rows[name][key][f"{measure}_key"] = sum(actor_key(actor) for actor in actors)

    for c in certificates:
        holder = users[c.user_id]
        school, region, district = _where(holder.school_id, schools)
        key = account_key(c.user_id)
        for stamp, measure in (("issued_at", "certificates_issued"), ("revoked_at", "certificates_revoked")):
            at = getattr(c, stamp)
            if at is not None and at < until:
                for name, row_key in (
                    ("school_months", (month_start(at), school, c.course_id)),
                    ("course_weeks", (week_start(at), school, c.course_id)),
                    ("district_weeks", (week_start(at), region, district, c.course_id)),
                ):
                    row = rows[name][row_key]
                    row[measure] += 1
                    row[f"{measure}_key"] += key
                    if name != "district_weeks":
                        row["region_id"], row["district_id"] = region, district
        if c.issued_at < until:
            issued = rows["district_months"][(month_start(c.issued_at), region, district, c.course_id)]
            issued["certificates_issued"] += 1
            issued["certificates_issued_key"] += key
            if c.grade is not None:
                stratum = _stratum(holder.school_id, schools)
                bucket = rows["grades"][(c.course_id, region, district, *stratum, min(c.grade // 10, 9))]
                bucket["certificates"] += 1
                bucket["certificates_key"] += key
        if c.revoked_at is not None and c.revoked_at < until:
            revoked = rows["district_months"][(month_start(c.revoked_at), region, district, c.course_id)]
            revoked["certificates_revoked"] += 1
            revoked["certificates_revoked_key"] += key

    for e in enrolments.values():
        if e.enrolled_at < until and e.completed_at is None and e.last_activity_at < until - timedelta(days=14):
            school, region, district = _where(users[e.user_id].school_id, schools)
            rows["at_risk"][(e.course_id, school)]["learners"] += 1
            rows["at_risk"][(e.course_id, school)]["learners_key"] += account_key(e.user_id)
            rows["at_risk"][(e.course_id, school)]["region_id"] = region
            rows["at_risk"][(e.course_id, school)]["district_id"] = district

    for u in users.values():
        if u.role not in (Role.STUDENT, Role.TEACHER) or u.created_at >= until:
            continue
        mine = [e for e in enrolments.values() if e.user_id == u.id]
        school, region, district = _where(u.school_id, schools)
        people = rows["school_people"][(school,)]
        people["region_id"], people["district_id"] = region, district
        counted: dict[str, bool] = {}
        if u.role == Role.STUDENT:
            counted["students"] = True
            counted["students_enrolled"] = any(e.enrolled_at < until for e in mine)
        else:
            counted["teachers"] = True
            counted["teachers_trained"] = any(
                e.completed_at is not None
                and e.completed_at < until
                and courses[e.course_id].audience in (CourseAudience.TEACHERS, CourseAudience.BOTH)
                for e in mine
            )
        for measure, yes in counted.items():
            people[measure] += yes
            people[f"{measure}_key"] += account_key(u.id) if yes else 0
    return {name: {key: dict(values) for key, values in table.items()} for name, table in rows.items()}
