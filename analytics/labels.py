"""Display names of the analytics enumerations, translated when shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from analytics.models import Indicator

INDICATOR_LABELS = {
    Indicator.CERTIFICATES_ISSUED: _l("Certificates issued"),
    Indicator.TEACHERS_TRAINED: _l("Teachers trained"),
    Indicator.ADVANCED_LEARNERS: _l("Advanced learners"),
    Indicator.PROJECTS: _l("Student projects"),
}


def indicator_label(indicator: Indicator | str) -> str:
    return str(INDICATOR_LABELS.get(Indicator(indicator), indicator))
