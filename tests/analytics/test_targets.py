import pytest

from analytics import targets
from analytics.models import Indicator
from lms.models import Role
from tests import factories


def test_set_target_adds_then_replaces(db, count_queries):
    admin = factories.user(Role.ADMIN)
    astana = factories.region("KZ-71")
    first = targets.set_target(admin, Indicator.TEACHERS_TRAINED, astana.id, 2027, 1200)
    second = targets.set_target(None, Indicator.TEACHERS_TRAINED, astana.id, 2027, 1500)
    assert second.id == first.id and second.value == 1500 and second.set_by_id is None
    year = targets.targets(2027)
    assert year.value(Indicator.TEACHERS_TRAINED, astana.id) == 1500
    assert year.value(Indicator.PROJECTS, astana.id) is None


def test_the_national_target_is_the_sum_of_the_regions(db, count_queries):
    astana, shymkent = factories.region("KZ-71"), factories.region("KZ-79")
    targets.set_target(None, Indicator.CERTIFICATES_ISSUED, astana.id, 2027, 1000)
    targets.set_target(None, Indicator.CERTIFICATES_ISSUED, shymkent.id, 2027, 250)
    targets.set_target(None, Indicator.PROJECTS, shymkent.id, 2027, 0)
    targets.set_target(None, Indicator.CERTIFICATES_ISSUED, shymkent.id, 2028, 9999)
    with count_queries() as counter:
        year = targets.targets(2027)
    assert counter.count == 1
    assert year.national == {Indicator.CERTIFICATES_ISSUED: 1250, Indicator.PROJECTS: 0}
    assert targets.targets(2030).national == {}


@pytest.mark.parametrize(
    ("year", "value", "error"),
    [
        (2019, 10, targets.InvalidTargetYear),
        (2101, 10, targets.InvalidTargetYear),
        (2027, -1, targets.InvalidTargetValue),
        (2027, targets.MAX_VALUE + 1, targets.InvalidTargetValue),
    ],
)
def test_years_and_values_are_checked(db, year, value, error):
    with pytest.raises(error):
        targets.set_target(None, Indicator.PROJECTS, factories.region().id, year, value)


def test_an_unknown_region_is_refused(db):
    with pytest.raises(targets.UnknownRegion):
        targets.set_target(None, Indicator.PROJECTS, 987654, 2027, 1)
