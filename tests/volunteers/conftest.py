import pytest

from volunteers.models import ViewerDistrict

from .factories import DistrictFactory


@pytest.fixture
def district(db):
    return DistrictFactory(name="Northside")


@pytest.fixture
def scoped_viewer(viewer, district):
    ViewerDistrict.objects.create(user=viewer, district=district)
    return viewer
