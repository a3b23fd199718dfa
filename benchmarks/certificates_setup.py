"""Prepare a benchmark database for certificate verification: CERTIFICATES (default 500) issued ones.

Each benchmark learner completes the demo course (the completion recorded directly; grading is not
what is measured) and gets a real signed certificate through the reconciling service.
Prints shell assignments (SERIALS_FILE, SERIAL) for benchmarks/certificates_verify.sh.
"""

from __future__ import annotations

import os
import sys
import tempfile

import sqlalchemy as sa

from certificates import serials, services
from certificates.models import Certificate
from courses.models import Course, Enrolment
from lms.db import db, utcnow
from lms.models import Role, User
from wsgi import app

with app.app_context():
    course = db.session.scalar(sa.select(Course).where(Course.slug == "ai-fundamentals"))
    if course is None:
        sys.exit("run `flask --app wsgi lms seed-demo` first")
    count = int(os.environ.get("CERTIFICATES", "500"))
    users = [
        User(email=f"verify{number}@example.org", full_name=f"Әлихан Өмірзақұлы {number}", role=Role.STUDENT)
        for number in range(count)
    ]
    db.session.add_all(users)
    db.session.flush()
    db.session.add_all(Enrolment(user_id=user.id, course_id=course.id, completed_at=utcnow()) for user in users)
    db.session.flush()
    services.issue_missing(course.id)
    db.session.commit()
    issued = list(db.session.scalars(sa.select(Certificate.serial).order_by(Certificate.id)))
    handle, path = tempfile.mkstemp(prefix="lms-bench-serials-", suffix=".txt")
    with os.fdopen(handle, "w") as out:
        for serial in issued:
            out.write(serials.display(serial) + "\n")
    print(f"SERIALS_FILE={path}")
    print(f"SERIAL={serials.display(issued[0])}")
