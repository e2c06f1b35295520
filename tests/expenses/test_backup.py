"""Full per-user backup and restore: exact, idempotent, never a password hash or another
user's data; own account for everyone, any account for Administrators."""

import io
import json
import zipfile
from datetime import date, time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from expenses import backup, loyalty, services
from expenses.models import Category, Expense, ExpenseProfile, LoyaltyAccount, Restaurant, Tag

from .factories import RestaurantFactory


@pytest.fixture
def account(owner):
    services.category_defaults_ensure(user=owner)
    travel = services.category_create(user=owner, name="Travel: Meals", color="#123456")
    chilis = services.merchant_create(
        user=owner, name="Chili's Grill & Bar", short_name="Chili's", category="standard_restaurant"
    )
    loyalty.loyalty_save(
        user=owner,
        program="My Chili's Rewards",
        merchant=chilis,
        number="0042-7",
        tier="Gold",
        points=1250,
        portal_url="https://www.chilis.com/rewards",
    )
    loyalty.loyalty_save(user=owner, program="Starbucks Rewards", number="", tier="", points=None, portal_url="")
    diner = services.restaurant_create(
        user=owner, name="Chili's", location_name="Wylie", city="Wylie", latitude=Decimal("33.014100")
    )
    cafe = services.restaurant_create(user=owner, name="Cafe Uno", google_place_id="place-1")
    lunch = dict(amount=Decimal("12.34"), date=date(2026, 1, 31), restaurant=cafe, meal_type="lunch")
    first = services.expense_create(user=owner, tags=["work", "Team-A"], notes="=1+1 “quoted”", **lunch)
    services.expense_create(user=owner, tags=["work", "Team-A"], notes="=1+1 “quoted”", **lunch)  # a real twin
    services.expense_create(
        user=owner,
        amount=Decimal("99999.99"),
        kind="refund",
        date=date(2026, 2, 1),
        time=time(23, 59),
        cleared_date=date(2026, 2, 9),
        restaurant=diner,
        category=travel,
        party_size=50,
        order_type="delivery",
    )
    trashed = services.expense_create(user=owner, amount=Decimal("1.00"), date=date(2026, 2, 2), restaurant=diner)
    services.expense_delete(expense=trashed)
    services.expense_profile_set_bank_match_days(user=owner, days=21)
    return {"first": first}


def _loyalty(user) -> list[tuple]:
    return sorted(
        (a.program, a.merchant.name if a.merchant else None, a.number, a.tier, a.points, a.portal_url)
        for a in LoyaltyAccount.objects.filter(user=user).select_related("merchant")
    )


def _snapshot(user) -> list[tuple]:
    return sorted(
        (
            e.date,
            e.time,
            e.cleared_date,
            e.amount,
            e.kind,
            e.restaurant.display_name,
            e.restaurant.city,
            e.category.name if e.category else None,
            e.meal_type,
            e.order_type,
            e.party_size,
            e.notes,
            tuple(link.tag.name for link in e.tag_links.all()),
            e.deleted_at is not None,
        )
        for e in Expense.all_objects.filter(user=user).select_related("restaurant", "category")
    )


def test_backup_has_a_schema_version_and_no_secrets_or_other_users(account, owner, intruder):
    RestaurantFactory(user=intruder, name="Secret Place")
    data = backup.backup_json(owner=owner)
    document = json.loads(data)
    assert (document["kind"], document["schema_version"]) == ("crewbase_expenses_backup", 2)
    assert document["counts"] == {
        "merchants": 1,
        "loyalty": 2,
        "restaurants": 2,
        "categories": 8,
        "tags": 2,
        "expenses": 4,
    }
    assert document["loyalty"][0] == {
        "program": "My Chili's Rewards",
        "merchant": "Chili's Grill & Bar",
        "number": "0042-7",
        "tier": "Gold",
        "points": 1250,
        "portal_url": "https://www.chilis.com/rewards",
    }
    assert b"pbkdf2" not in data and b"password" not in data and b"Secret Place" not in data
    assert owner.email.encode() not in data or not owner.email
    assert document["profile"] == {"timezone": "", "bank_match_days": 21}


def test_restore_into_another_account_is_exact_and_idempotent(account, owner, intruder):
    document = json.loads(backup.backup_json(owner=owner))
    result = backup.backup_restore(actor=intruder, owner=intruder, document=document)
    assert result == {
        "merchants_created": 1,
        "loyalty_created": 2,
        "loyalty_present": 0,
        "restaurants_created": 2,
        "categories_created": 8,
        "tags_created": 2,
        "expenses_created": 4,
        "expenses_present": 0,
        "receipts_restored": 0,
    }
    assert _snapshot(intruder) == _snapshot(owner)
    assert Category.objects.get(user=intruder, name="Travel: Meals").color == "#123456"
    chilis = Restaurant.objects.get(user=intruder, name="Chili's")
    assert chilis.latitude == Decimal("33.014100")
    assert (chilis.merchant.name, chilis.merchant.short_name, chilis.merchant.user) == (
        "Chili's Grill & Bar",
        "Chili's",
        intruder,
    )
    assert ExpenseProfile.objects.get(user=intruder).bank_match_days == 21
    assert Expense.history.filter(user=intruder, history_change_reason="Restore from backup").count() == 4

    again = backup.backup_restore(actor=intruder, owner=intruder, document=document)
    assert (again["expenses_created"], again["expenses_present"], again["restaurants_created"]) == (0, 4, 0)
    assert (again["loyalty_created"], again["loyalty_present"]) == (0, 2)
    assert _snapshot(intruder) == _snapshot(owner)
    assert _loyalty(intruder) == _loyalty(owner)


def test_restore_into_the_same_account_changes_nothing(account, owner):
    before = _snapshot(owner)
    result = backup.backup_restore(actor=owner, owner=owner, document=json.loads(backup.backup_json(owner=owner)))
    assert result["expenses_created"] == 0 and result["expenses_present"] == 4
    assert _snapshot(owner) == before and Restaurant.objects.filter(user=owner).count() == 2


def test_restore_adds_back_only_what_is_missing(account, owner):
    document = json.loads(backup.backup_json(owner=owner))
    services.expense_delete(expense=account["first"])  # one twin goes to the trash
    Expense.all_objects.filter(pk=account["first"].pk).delete()  # and is purged
    result = backup.backup_restore(actor=owner, owner=owner, document=document)
    assert (result["expenses_created"], result["expenses_present"]) == (1, 3)
    assert Expense.objects.filter(user=owner, amount=Decimal("12.34")).count() == 2


def test_receipts_travel_in_the_zip(account, owner, intruder):
    expense = account["first"]
    expense.receipt.save("r.pdf", io.BytesIO(b"%PDF-1.4 receipt"), save=True)
    archive = zipfile.ZipFile(io.BytesIO(backup.backup_zip(owner=owner)))
    assert sorted(archive.namelist()) == ["backup.json", f"receipts/{expense.pk}.pdf"]
    document, receipts = backup.backup_read(archive.fp.getvalue(), "b.zip")
    result = backup.backup_restore(actor=intruder, owner=intruder, document=document, receipts=receipts)
    assert result["receipts_restored"] == 1
    restored = Expense.objects.get(user=intruder, receipt__endswith=".pdf")
    assert restored.receipt.read() == b"%PDF-1.4 receipt"
    assert restored.receipt.name.startswith(f"expenses/receipts/{intruder.pk}/")


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"{nope", "b.json", "not valid JSON"),
        (b'{"kind": "user_full_backup", "schema_version": 1}', "b.json", "not a Crewbase expenses backup"),
        (b'{"kind": "crewbase_expenses_backup", "schema_version": 9}', "b.json", "schema version 9 .* 1 or 2"),
        (b'{"kind": "crewbase_expenses_backup", "schema_version": true}', "b.json", "schema version True"),
        (b'{"kind": "crewbase_expenses_backup", "schema_version": 2, "loyalty": [1]}', "b.json", "“loyalty” must"),
        (b'{"kind": "crewbase_expenses_backup", "schema_version": 1, "expenses": {}}', "b.json", "must be a list"),
        (b"PK\x03\x04garbage", "b.zip", "not a readable zip"),
    ],
)
def test_bad_backup_files_are_refused_with_the_reason(data, name, message):
    with pytest.raises(ValidationError, match=message):
        backup.backup_read(data, name)


def test_bad_item_is_named_and_nothing_is_written(account, owner, intruder):
    document = json.loads(backup.backup_json(owner=owner))
    document["expenses"][1]["party_size"] = 51
    with pytest.raises(ValidationError) as exc:
        backup.backup_restore(actor=intruder, owner=intruder, document=document)
    assert any(m.startswith("expenses[2]: party_size:") for m in exc.value.message_dict["file"])
    assert not Expense.all_objects.filter(user=intruder).exists()
    assert not Restaurant.objects.filter(user=intruder).exists() and not Tag.objects.filter(user=intruder).exists()


def test_staff_back_up_their_own_only_admins_anyone(account, owner, intruder, client, admin_user):
    client.force_login(intruder)
    mine = client.get("/expenses/backup/download/?format=json")
    assert mine.status_code == 200 and json.loads(mine.content)["counts"]["expenses"] == 0
    assert client.get(f"/expenses/backup/download/?user={owner.username}").status_code == 404
    upload = SimpleUploadedFile("b.json", backup.backup_json(owner=owner))
    assert client.post("/expenses/backup/", {"file": upload, "username": owner.username}).status_code == 404

    client.force_login(admin_user)
    theirs = client.get(f"/expenses/backup/download/?user={owner.username}&format=json")
    assert theirs.status_code == 200 and json.loads(theirs.content)["counts"]["expenses"] == 4
    upload = SimpleUploadedFile("b.json", theirs.content)
    response = client.post("/expenses/backup/", {"file": upload, "username": intruder.username}, follow=True)
    assert f"Restored into {intruder.username}: 4 expenses created" in response.content.decode()
    assert _snapshot(intruder) == _snapshot(owner)


def test_backup_page_shows_a_bad_file_as_a_form_error(owner, client):
    client.force_login(owner)
    response = client.post("/expenses/backup/", {"file": SimpleUploadedFile("b.json", b"[]")})
    assert response.status_code == 200
    assert "not a Crewbase expenses backup" in response.content.decode()


def test_restore_keeps_the_loyalty_programme_the_account_has(account, owner, intruder):
    loyalty.loyalty_save(user=intruder, program="my chili's rewards", number="own", tier="", points=3, portal_url="")
    document = json.loads(backup.backup_json(owner=owner))
    result = backup.backup_restore(actor=intruder, owner=intruder, document=document)
    assert (result["loyalty_created"], result["loyalty_present"]) == (1, 1)
    kept = LoyaltyAccount.objects.get(user=intruder, program__iexact="my chili's rewards")
    assert (kept.program, kept.number, kept.points, kept.merchant) == ("my chili's rewards", "own", 3, None)
    assert LoyaltyAccount.history.filter(user=intruder, history_change_reason="Restore from backup").count() == 1


def test_a_schema_1_backup_still_restores(account, owner, intruder):
    """Written before loyalty programmes were part of the backup: no "loyalty" list, version 1."""
    document = json.loads(backup.backup_json(owner=owner))
    document["schema_version"] = 1
    del document["loyalty"]
    del document["counts"]["loyalty"]
    data = json.dumps(document).encode()
    read, _ = backup.backup_read(data, "old.json")
    result = backup.backup_restore(actor=intruder, owner=intruder, document=read)
    assert (result["expenses_created"], result["merchants_created"], result["loyalty_created"]) == (4, 1, 0)
    assert _snapshot(intruder) == _snapshot(owner)
    assert not LoyaltyAccount.objects.filter(user=intruder).exists()
    again = backup.backup_restore(actor=intruder, owner=intruder, document=read)
    assert (again["expenses_created"], again["expenses_present"]) == (0, 4)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"points": -5}, "loyalty[1]: points:"),
        ({"points": "many"}, "loyalty[1]: points:"),
        ({"portal_url": "not a url"}, "loyalty[1]: portal_url:"),
        ({"program": ""}, "loyalty[1]: program:"),
        ({"merchant": "Nobody Inc"}, "loyalty[1]: merchant 'Nobody Inc' is not in the backup"),
    ],
)
def test_a_bad_loyalty_item_is_named_and_nothing_is_written(account, owner, intruder, change, message):
    document = json.loads(backup.backup_json(owner=owner))
    document["loyalty"][0].update(change)
    with pytest.raises(ValidationError) as exc:
        backup.backup_restore(actor=intruder, owner=intruder, document=document)
    assert any(m.startswith(message) for m in exc.value.message_dict["file"]), exc.value.message_dict
    assert not LoyaltyAccount.objects.filter(user=intruder).exists()
    assert not Expense.all_objects.filter(user=intruder).exists()
