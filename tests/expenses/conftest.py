import pytest

from .factories import CategoryFactory, ExpenseFactory, RestaurantFactory, TagFactory


@pytest.fixture
def owner(staff_user):
    return staff_user


@pytest.fixture
def intruder(staff_user2):
    return staff_user2


@pytest.fixture
def restaurant_factory(db):
    return RestaurantFactory


@pytest.fixture
def expense_factory(db):
    return ExpenseFactory


@pytest.fixture
def category_factory(db):
    return CategoryFactory


@pytest.fixture
def tag_factory(db):
    return TagFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Receipts uploaded by tests go to a throwaway directory.
    settings.MEDIA_ROOT = str(tmp_path / "media")
