"""Loyalty programmes: per user, linked to merchants, shown on the restaurant page, CSV round trip."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from expenses import loyalty, services
from expenses.models import LoyaltyAccount


@pytest.fixture
def chilis(owner):
    merchant = services.merchant_create(user=owner, name="Chili's")
    restaurant = services.restaurant_create(user=owner, name="Chili's - Wylie", location_name="Wylie")
    return merchant, restaurant


def test_programme_is_upserted_by_name_and_shown_on_the_merchants_restaurants(owner, chilis, client):
    merchant, restaurant = chilis
    loyalty.loyalty_save(user=owner, program="My Chili's Rewards", merchant=merchant, number="123", points=40)
    loyalty.loyalty_save(user=owner, program="MY CHILI'S REWARDS", merchant=merchant, number="123", points=55)
    account = LoyaltyAccount.objects.get(user=owner)
    assert (account.program, account.points) == ("MY CHILI'S REWARDS", 55)
    client.force_login(owner)
    page = client.get(f"/expenses/restaurants/{restaurant.pk}/").content.decode()
    assert "MY CHILI&#x27;S REWARDS #123" in page and "55 points" in page


def test_another_users_merchant_is_refused(owner, intruder):
    theirs = services.merchant_create(user=intruder, name="Theirs")
    with pytest.raises(ValidationError, match="Not found"):
        loyalty.loyalty_save(user=owner, program="X", merchant=theirs)


def test_csv_round_trip_and_bad_rows_write_nothing(owner, intruder, chilis):
    services.merchant_create(user=intruder, name="Chili's")
    loyalty.loyalty_save(
        user=owner,
        program="=Rewards",
        merchant=chilis[0],
        number="00123",
        tier="Gold",
        points=7,
        portal_url="https://chilis.example.com/rewards",
    )
    loyalty.loyalty_save(user=owner, program="Coffee Club")
    exported = loyalty.loyalty_export_csv(LoyaltyAccount.objects.filter(user=owner).select_related("merchant"))
    assert "'=Rewards" in exported
    assert loyalty.loyalty_import_csv(user=intruder, data=exported.encode()) == {"saved": 2}
    mine = sorted(
        LoyaltyAccount.objects.filter(user=owner).values_list("program", "number", "tier", "points", "portal_url")
    )
    theirs = sorted(
        LoyaltyAccount.objects.filter(user=intruder).values_list("program", "number", "tier", "points", "portal_url")
    )
    assert mine == theirs
    assert LoyaltyAccount.objects.get(user=intruder, program="=Rewards").merchant.user == intruder

    bad = "program,merchant,points\nNew One,,5\nOther,Nobody,1\nThird,,many\n,,\n"
    with pytest.raises(ValidationError) as exc:
        loyalty.loyalty_import_csv(user=owner, data=bad.encode())
    assert exc.value.message_dict["file"] == [
        "line 2: merchant: “Nobody” is not one of your merchants",
        "line 3: points: “many” is not a whole number",
    ]
    assert not LoyaltyAccount.objects.filter(user=owner, program="New One").exists()
    with pytest.raises(ValidationError, match="no “program” column"):
        loyalty.loyalty_import_csv(user=owner, data=b"name\nx\n")


def test_loyalty_pages(owner, intruder, chilis, client, django_assert_max_num_queries):
    client.force_login(owner)
    response = client.post(
        "/expenses/loyalty/", {"program": "Rewards", "merchant": chilis[0].pk, "points": "3", "portal_url": ""}
    )
    assert response.status_code == 302
    for i in range(5):
        loyalty.loyalty_save(user=owner, program=f"P{i}", merchant=chilis[0])
    with django_assert_max_num_queries(8):
        assert client.get("/expenses/loyalty/").status_code == 200
    upload = SimpleUploadedFile("l.csv", b"program,tier\nRewards,Silver\n")
    client.post("/expenses/loyalty/", {"file": upload})
    account = LoyaltyAccount.objects.get(user=owner, program="Rewards")
    assert (account.tier, account.points, account.merchant) == ("Silver", 3, chilis[0])  # absent columns kept
    export = client.get("/expenses/loyalty/export/")
    assert export.status_code == 200 and b"Rewards" in export.content
    client.force_login(intruder)
    assert client.post("/expenses/loyalty/", {"delete_id": account.pk}).status_code == 404
    client.force_login(owner)
    assert client.post("/expenses/loyalty/", {"delete_id": account.pk}).status_code == 302
    assert not LoyaltyAccount.objects.filter(pk=account.pk).exists()
