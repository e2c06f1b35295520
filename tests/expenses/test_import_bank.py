"""Bank exports (Simplifi CSV, OFX/QFX): the cleared date matches the expense already entered
instead of adding a second one; restaurant ties need a decision; categories stay whole."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from expenses import importing as im
from expenses import services
from expenses.models import Category, Expense, ExpenseProfile, Restaurant

from .factories import RestaurantFactory

SIMPLIFI_HEADER = "Date,Payee,Amount,Category,Tags,Notes,Exclusion\n"


@pytest.fixture
def chilis(owner):
    services.category_defaults_ensure(user=owner)
    return RestaurantFactory(user=owner, name="Chili's", location_name="Wylie", city="Wylie")


def _entered(owner, restaurant, day, amount="24.77", **fields):
    return services.expense_create(
        user=owner, amount=Decimal(amount), date=day, restaurant=restaurant, meal_type="dinner", **fields
    )


def _draft(owner, text, name="simplifi.csv"):
    return services.import_draft_create(user=owner, filename=name, data=text.encode())


# --------------------------------------------------------------------------- reading a bank file
def test_simplifi_date_is_the_cleared_date_and_signs_are_the_accounts():
    rows, info = im.read_upload(
        (SIMPLIFI_HEADER + "03/10/2026,Chili's,-24.77,Dining,,,\n03/11/2026,Chili's,5.00,,,,Excluded\n").encode(),
        "s.csv",
    )
    assert info["source"] == "simplifi"
    assert rows[0]["cleared_date"] == "03/10/2026" and "date" not in rows[0]
    assert "Exclusion" not in info["columns"]  # ignored
    parsed = [
        im.parse_row({k: v for k, v in r.items() if k != "line"}, line=1, categories={}, unescape=True, bank=True)
        for r in rows
    ]
    assert [(p.amount, p.kind, p.visit_date_known) for p in parsed] == [
        ("24.77", "expense", False),
        ("5.00", "refund", False),
    ]
    # The cleared date stands in for the visit date of a new expense, without a lag warning.
    assert (parsed[0].date, parsed[0].cleared_date, parsed[0].warnings) == ("2026-03-10", "2026-03-10", [])


def test_simplifi_visit_date_column_is_the_visit_date():
    rows, _ = im.read_upload(b"Date,visit_date,Payee,Amount\n03/10/2026,03/04/2026,Chili's,-24.77\n", "s.csv")
    assert (rows[0]["date"], rows[0]["cleared_date"]) == ("03/04/2026", "03/10/2026")
    row = im.parse_row({k: v for k, v in rows[0].items() if k != "line"}, line=1, categories={}, unescape=True)
    assert row.visit_date_known and row.warnings == ["cleared 6 days after the visit"]


def test_generic_files_keep_their_sign_rule():
    assert im.parse_amount("24.77") == (Decimal("24.77"), "expense")
    assert im.parse_amount("24.77", bank=True) == (Decimal("24.77"), "refund")
    assert im.parse_amount("-24.77", bank=True) == (Decimal("24.77"), "expense")
    assert im.parse_amount("(24.77)", bank=True) == (Decimal("24.77"), "expense")


# --------------------------------------------------------------------------- the double count
def test_bank_row_a_few_days_after_a_meal_sets_its_cleared_date_instead_of_a_second_expense(owner, chilis):
    meal = _entered(owner, chilis, date(2026, 3, 4))
    draft = _draft(owner, SIMPLIFI_HEADER + "03/10/2026,Chili's - Wylie,-24.77,,,,\n")
    (row,) = draft.rows
    assert (row["expense_action"], row["duplicate_id"]) == ("clear", meal.pk)
    assert row["duplicates"][0]["days_before_cleared"] == 6
    assert row["warnings"] == [
        f"matches the expense of 2026-03-04 ($24.77 at Chili's - Wylie, #{meal.pk}), 6 days before it cleared"
    ]
    result = services.import_draft_apply(user=owner, draft=draft)
    assert (result["imported"], result["updated"]) == (0, 1)
    meal.refresh_from_db()
    assert (meal.cleared_date, meal.date, meal.meal_type) == (date(2026, 3, 10), date(2026, 3, 4), "dinner")
    assert Expense.objects.filter(user=owner).count() == 1
    # The same file again: the expense already carries that cleared date, so nothing to do.
    (again,) = _draft(owner, SIMPLIFI_HEADER + "03/10/2026,Chili's - Wylie,-24.77,,,,\n").rows
    assert (again["expense_action"], again["duplicate_id"]) == ("skip", meal.pk)


def test_no_warning_within_three_days_and_no_match_past_the_window(owner, chilis):
    near = _entered(owner, chilis, date(2026, 3, 8))
    (row,) = _draft(owner, SIMPLIFI_HEADER + "03/10/2026,Chili's - Wylie,-24.77,,,,\n").rows
    assert (row["expense_action"], row["duplicate_id"], row["warnings"]) == ("clear", near.pk, [])

    Expense.objects.all().delete()
    _entered(owner, chilis, date(2026, 2, 20))  # 18 days before: outside the default 14
    (row,) = _draft(owner, SIMPLIFI_HEADER + "03/10/2026,Chili's - Wylie,-24.77,,,,\n").rows
    assert row["expense_action"] == "create" and row["duplicates"] == []


@pytest.mark.parametrize(("visit", "action"), [(date(2026, 2, 24), "clear"), (date(2026, 2, 23), "create")])
def test_the_window_is_fourteen_days_inclusive(owner, chilis, visit, action):
    _entered(owner, chilis, visit)  # 14 days before the cleared date still matches; 15 does not
    (row,) = _draft(owner, SIMPLIFI_HEADER + "03/10/2026,Chili's - Wylie,-24.77,,,,\n").rows
    assert row["expense_action"] == action


def test_bank_match_window_is_configurable_per_user(owner, chilis):
    old = _entered(owner, chilis, date(2026, 2, 20))
    ExpenseProfile.objects.create(user=owner, bank_match_days=21)
    (row,) = _draft(owner, SIMPLIFI_HEADER + "03/10/2026,Chili's - Wylie,-24.77,,,,\n").rows
    assert (row["expense_action"], row["duplicate_id"]) == ("clear", old.pk)


def test_bank_match_window_on_the_preferences_page(owner, client):
    client.force_login(owner)
    assert client.post("/expenses/preferences/", {"timezone": "", "bank_match_days": "21"}).status_code == 302
    assert ExpenseProfile.objects.get(user=owner).bank_match_days == 21
    page = client.post("/expenses/preferences/", {"timezone": "", "bank_match_days": "61"})
    assert page.status_code == 200 and "bank_match_days" in page.context["form"].errors
    assert ExpenseProfile.objects.get(user=owner).bank_match_days == 21


def test_bank_match_needs_same_amount_kind_and_restaurant_and_an_earlier_visit(owner, chilis):
    other = RestaurantFactory(user=owner, name="Taco Joint")
    elsewhere = _entered(owner, other, date(2026, 3, 8))  # another restaurant
    _entered(owner, chilis, date(2026, 3, 8), amount="24.78")  # another amount
    later = _entered(owner, chilis, date(2026, 3, 12))  # visited after it cleared
    (row,) = _draft(owner, SIMPLIFI_HEADER + "03/10/2026,Chili's - Wylie,-24.77,,,,\n").rows
    # No bank match; the ±3-day look-alikes are still listed (same restaurant first).
    assert [(d["id"], d["bank_match"]) for d in row["duplicates"]] == [(later.pk, False), (elsewhere.pk, False)]
    assert row["expense_action"] == "update"


def test_two_bank_rows_never_clear_the_same_expense(owner, chilis):
    first = _entered(owner, chilis, date(2026, 3, 4))
    second = _entered(owner, chilis, date(2026, 3, 7))
    rows = _draft(
        owner, SIMPLIFI_HEADER + "03/09/2026,Chili's - Wylie,-24.77,,,,\n03/10/2026,Chili's - Wylie,-24.77,,,,\n"
    ).rows
    assert [(r["expense_action"], r["duplicate_id"]) for r in rows] == [("clear", second.pk), ("clear", first.pk)]


def test_refund_row_does_not_clear_an_expense(owner, chilis):
    _entered(owner, chilis, date(2026, 3, 8))
    (row,) = _draft(owner, SIMPLIFI_HEADER + "03/10/2026,Chili's - Wylie,24.77,,,,\n").rows
    assert (row["kind"], row["expense_action"]) == ("refund", "create")


def test_any_file_with_only_a_cleared_date_is_a_bank_row(owner, chilis):
    meal = _entered(owner, chilis, date(2026, 3, 1))
    (row,) = _draft(owner, "cleared_date,restaurant,location,amount\n2026-03-12,Chili's,Wylie,24.77\n", "b.csv").rows
    assert (row["visit_date_known"], row["expense_action"], row["duplicate_id"]) == (False, "clear", meal.pk)


# --------------------------------------------------------------------------- OFX / QFX
OFX = """OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20260315120000<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>
<CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<CCSTMTRS><CURDEF>USD<CCACCTFROM><ACCTID>4111</CCACCTFROM>
<BANKTRANLIST><DTSTART>20260301<DTEND>20260315
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260310<TRNAMT>-24.77<FITID>A1<NAME>CHILI'S - WYLIE<MEMO>Card 4111</STMTTRN>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260312<DTUSER>20260311<TRNAMT>-9.50<FITID>A2<NAME>Cafe Nuevo</STMTTRN>
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20260313<TRNAMT>3.25<FITID>A3<NAME>Cafe Nuevo</STMTTRN>
</BANKTRANLIST><LEDGERBAL><BALAMT>-31.02<DTASOF>20260315</LEDGERBAL></CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1>
</OFX>
"""


def test_ofx_statement_maps_onto_the_same_review(owner, chilis):
    meal = _entered(owner, chilis, date(2026, 3, 5))
    draft = _draft(owner, OFX, "statement.qfx")
    first, second, third = draft.rows
    assert (first["expense_action"], first["duplicate_id"], first["notes"]) == ("clear", meal.pk, "Card 4111")
    assert (second["date"], second["cleared_date"], second["visit_date_known"]) == ("2026-03-11", "2026-03-12", True)
    assert (second["amount"], second["kind"], third["kind"]) == ("9.50", "expense", "refund")
    result = services.import_draft_apply(user=owner, draft=draft)
    assert (result["imported"], result["updated"], result["restaurants_created"]) == (2, 1, 1)
    meal.refresh_from_db()
    assert meal.cleared_date == date(2026, 3, 10)


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><broken", "x.ofx", "not a readable OFX/QFX statement"),
        (b"date,amount\n", "x.qfx", "not a readable OFX/QFX statement"),
    ],
)
def test_a_file_that_is_not_the_ofx_it_claims_is_refused(data, name, message):
    with pytest.raises(im.ImportFileError, match=message):
        im.read_upload(data, name)


# --------------------------------------------------------------------------- restaurant ties
def test_two_same_name_restaurants_need_a_decision_and_never_a_third(owner):
    austin = RestaurantFactory(user=owner, name="Chipotle", city="Austin")
    dallas = RestaurantFactory(user=owner, name="Chipotle", city="Dallas")
    draft = _draft(owner, "date,restaurant,amount\n2026-03-01,Chipotle,11.00\n", "x.csv")
    (row,) = draft.rows
    assert [(c["id"], c["score"], c["reason"]) for c in row["candidates"]] == [
        (austin.pk, 130, "exact display name"),
        (dallas.pk, 130, "exact display name"),
    ]
    assert (row["restaurant_action"], row["suggested_restaurant_id"]) == ("decide", None)
    assert "several restaurants match equally well" in row["warnings"][0]
    with pytest.raises(ValidationError, match="line 1: several restaurants match equally well"):
        services.import_draft_apply(user=owner, draft=draft)
    with pytest.raises(ValidationError, match="line 1: “Chipotle” already exists"):
        services.import_draft_apply(user=owner, draft=draft, decisions={1: {"restaurant_action": "create"}})
    assert Expense.objects.count() == 0
    services.import_draft_apply(
        user=owner, draft=draft, decisions={1: {"restaurant_action": "match", "restaurant_id": dallas.pk}}
    )
    assert Restaurant.objects.filter(user=owner).count() == 2
    assert Expense.objects.get().restaurant == dallas


def test_a_clearly_better_candidate_is_still_chosen(owner):
    exact = RestaurantFactory(user=owner, name="Chipotle", address_line_1="1 Main St", city="Austin")
    RestaurantFactory(user=owner, name="Chipotle", city="Dallas")
    (row,) = _draft(owner, "date,restaurant,address,amount\n2026-03-01,Chipotle,1 Main St,11.00\n", "x.csv").rows
    assert (row["restaurant_action"], row["suggested_restaurant_id"]) == ("match", exact.pk)
    assert [c["score"] for c in row["candidates"]] == [160, 130]


# --------------------------------------------------------------------------- categories and blank lines
def test_parent_child_category_is_kept_whole_and_round_trips(owner, client_for):
    services.category_defaults_ensure(user=owner)
    restaurant = RestaurantFactory(user=owner, name="Airport Grill")
    services.category_create(user=owner, name="Meals")
    travel = services.category_create(user=owner, name="Travel: Meals")
    services.expense_create(
        user=owner, amount=Decimal("12.00"), date=date(2026, 3, 1), restaurant=restaurant, category=travel
    )
    exported = client_for(owner).get("/api/v1/expenses/export/?format=csv").content
    assert b"Travel: Meals" in exported
    Expense.objects.all().delete()
    draft = _draft(owner, exported.decode(), "expenses.csv")
    assert (draft.rows[0]["category"], draft.rows[0]["category_id"]) == ("Travel: Meals", travel.pk)
    services.import_draft_apply(user=owner, draft=draft)
    assert Expense.objects.get().category == travel


def test_unknown_parent_child_category_is_created_whole(owner):
    services.category_defaults_ensure(user=owner)
    draft = _draft(owner, "date,restaurant,amount,category\n2026-03-01,A,5,Travel: Meals\n", "x.csv")
    assert draft.missing_categories == ["Travel: Meals"]
    services.import_draft_apply(user=owner, draft=draft, create_missing_categories=True)
    assert Expense.objects.get().category.name == "Travel: Meals"
    assert not Category.objects.filter(user=owner, name="Meals").exists()


def test_blank_lines_are_skipped_silently_and_lines_keep_their_numbers(owner):
    draft = _draft(owner, "date,restaurant,amount,notes\n,,,\n2026-03-01,A,5,\n  , ,,\n2026-03-02,A,x,\n", "x.csv")
    assert [(r["line"], r["errors"]) for r in draft.rows] == [
        (2, {}),
        (4, {"amount": "“x” is not an amount"}),
    ]
    with pytest.raises(im.ImportFileError, match="no rows"):
        im.read_upload(b"date,restaurant,amount\n,,\n, ,\n", "x.csv")


def test_blank_json_objects_are_skipped_too():
    rows, _ = im.read_upload(b'[{"date": "", "amount": null}, {"date": "2026-03-01", "amount": 5}]', "x.json")
    assert [r["line"] for r in rows] == [2]
