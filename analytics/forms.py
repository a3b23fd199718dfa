"""Forms of the analytics pages. They check shape; the rules live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.validators import AnyOf, NumberRange, Optional, Regexp

from analytics.dashboards import FILTER_CHOICES
from analytics.exports import TYPES
from analytics.labels import INDICATOR_LABELS
from analytics.targets import FIRST_YEAR, LAST_YEAR, MAX_VALUE
from lms.forms import Form, choices, required


class TargetForm(Form):
    indicator = SelectField(_l("Indicator"), choices=choices((i.value, label) for i, label in INDICATOR_LABELS.items()))
    region_id = SelectField(_l("Region"), coerce=int)
    year = IntegerField(
        _l("Year"),
        validators=[
            required(),
            NumberRange(FIRST_YEAR, LAST_YEAR, message=_l("Give a whole number from %(min)s to %(max)s.")),
        ],
    )
    value = IntegerField(
        _l("Target"),
        validators=[
            required(),
            NumberRange(0, MAX_VALUE, message=_l("Give a whole number from %(min)s to %(max)s.")),
        ],
        description=_l("The value the indicator should reach in the region by the end of the year."),
    )


class ReportForm(Form):
    """Ask for a report of the dashboard as shown: its region (none: the nation) or district, period, course and
    schools' filters, and a format (the button pressed)."""

    kind = HiddenField(validators=[AnyOf(list(TYPES))])
    region = IntegerField(widget=HiddenField.widget, validators=[Optional(), NumberRange(1, 2**31 - 1)])
    period = HiddenField(validators=[Regexp(r"^\d{4}-\d{2}$|^\d{4}-\d{4}(-t[1-4])?$|^\d{4}-W\d{2}$")])
    course = HiddenField(validators=[Optional(), Regexp(r"^\d{1,10}$")])
    district = IntegerField(widget=HiddenField.widget, validators=[Optional(), NumberRange(1, 2**31 - 1)])
    school_kind = HiddenField(validators=[Optional(), AnyOf(["", *FILTER_CHOICES["kind"]])])
    settlement = HiddenField(validators=[Optional(), AnyOf(["", *FILTER_CHOICES["settlement"]])])
    instruction = HiddenField(validators=[Optional(), AnyOf(["", *FILTER_CHOICES["instruction"]])])
