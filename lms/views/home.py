"""The landing page and each role's home page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from lms.db import db
from lms.forms import JoinClassForm
from lms.models import Region, Role, School, User
from lms.permissions import roles_required
from lms.services import org

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    if not current_user.is_authenticated:
        return render_template("home/landing.html")
    role = current_user.role
    if role == Role.STUDENT:
        return render_template(
            "home/student.html", classes=org.classes_of_student(current_user), join_form=JoinClassForm()
        )
    if role == Role.TEACHER:
        classes = org.classes_of_teacher(current_user)
        return render_template("home/teacher.html", classes=classes, counts=org.member_counts([c.id for c in classes]))
    if role == Role.MENTOR:
        return render_template("home/mentor.html")
    if role == Role.OFFICIAL:
        return render_template("home/official.html", summaries=org.region_summaries(current_user))
    users_by_role = dict(db.session.execute(sa.select(User.role, sa.func.count()).group_by(User.role)).all())
    schools = db.session.scalar(sa.select(sa.func.count()).select_from(School))
    return render_template("home/admin.html", users_by_role=users_by_role, schools=schools)


@bp.post("/join")
@roles_required(Role.STUDENT)
def join_class() -> BaseResponse:
    form = JoinClassForm()
    if form.validate_on_submit():
        try:
            school_class = org.join_class(current_user, form.code.data or "")
        except org.InvalidJoinCode:
            flash(_("No class has this code. Check it with your teacher."), "error")
        else:
            db.session.commit()
            flash(_("You have joined %(name)s.", name=school_class.name), "success")
    else:
        flash(_("Type the class code your teacher gave you."), "error")
    return redirect(url_for("home.index"))


@bp.get("/regions/<int:region_id>")
@roles_required(Role.OFFICIAL, Role.ADMIN)
def region(region_id: int) -> str:
    region = db.session.get(Region, region_id)
    if region is None:
        abort(404)
    if not org.can_view_region(current_user, region.id):
        abort(403)
    summary = next(s for s in org.region_summaries(current_user) if s.region.id == region.id)
    return render_template("home/region.html", summary=summary)
