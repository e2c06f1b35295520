"""The plain-Python import module: every parsing rule, matching and duplicate detection."""

import json
from datetime import date, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from expenses import importing as im
from project.csv import cell_escape, cell_unescape

# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2025-01-31", date(2025, 1, 31)),
        ("2025-1-5", date(2025, 1, 5)),
        ("2025-03-07T19:30:00", date(2025, 3, 7)),
        ("2025-03-07 19:30", date(2025, 3, 7)),
        ("3/7/2026", date(2026, 3, 7)),
        ("12/31/2025", date(2025, 12, 31)),
        ("3/7/26", date(2026, 3, 7)),
        ("7-Mar-26", date(2026, 3, 7)),
        ("07-mar-2026", date(2026, 3, 7)),
        ("7 Mar 2026", date(2026, 3, 7)),
        ("Jan 1, 2025", date(2025, 1, 1)),
        ("Jan 1 2025", date(2025, 1, 1)),
        ("January 15, 2025", date(2025, 1, 15)),
        ("Sept 3, 2025", date(2025, 9, 3)),
        ("45658", date(2025, 1, 1)),
        ("45230", date(2023, 10, 31)),  # the reference's worked example
        ("3-7-2026", date(2026, 3, 7)),
        ("12-31-25", date(2025, 12, 31)),
        ("2026/03/07", date(2026, 3, 7)),
        ("7-Mar-2026", date(2026, 3, 7)),
        (45658, date(2025, 1, 1)),
        (45658.75, date(2025, 1, 1)),
        ("  2025-02-28  ", date(2025, 2, 28)),
    ],
)
def test_parse_date_accepts_every_documented_format(text, expected):
    assert im.parse_date(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "required"),
        (None, "required"),
        ("2025-02-30", "not a valid calendar date"),
        ("13/1/2025", "not a valid calendar date"),
        ("7-Foo-26", "unknown month"),
        ("Janxyz 1, 2025", "unknown month"),
        ("yesterday", "is not a date"),
        ("2025/01-31", "is not a date"),
        ("1/31-2025", "is not a date"),
        ("31/1/2025", "not a valid calendar date"),  # day first is never guessed
        ("12", "Excel serial numbers start at 61"),
        (True, "required"),
    ],
)
def test_parse_date_rejects_with_a_reason(text, message):
    with pytest.raises(ValueError, match=message):
        im.parse_date(text)


# --------------------------------------------------------------------------- times
@pytest.mark.parametrize(
    "text, expected",
    [
        ("19:30", time(19, 30)),
        ("7:05", time(7, 5)),
        ("19:30:15", time(19, 30, 15)),
        ("7:30 PM", time(19, 30)),
        ("7:30pm", time(19, 30)),
        ("12:00 AM", time(0, 0)),
        ("12 pm", time(12, 0)),
        ("", None),
        (None, None),
    ],
)
def test_parse_time(text, expected):
    assert im.parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "7:61", "noon", "13 PM"])
def test_parse_time_rejects(text):
    with pytest.raises(ValueError):
        im.parse_time(text)


# --------------------------------------------------------------------------- amounts
@pytest.mark.parametrize(
    "text, amount, kind",
    [
        ("24.77", "24.77", "expense"),
        ("$1,234.56", "1234.56", "expense"),
        ("(24.77)", "24.77", "expense"),
        ("($24.77)", "24.77", "expense"),
        ("-24.77", "24.77", "expense"),
        ("-$24.77", "24.77", "expense"),
        ("+24.77", "24.77", "refund"),
        ("+$1,000", "1000.00", "refund"),
        ("+25.00", "25.00", "refund"),  # the reference's reimbursement example
        ("-25.00", "25.00", "expense"),
        ("7", "7.00", "expense"),
        ("7.5", "7.50", "expense"),
        (".99", "0.99", "expense"),
        (12, "12.00", "expense"),
        (12.5, "12.50", "expense"),
        ("100000.00", "100000.00", "expense"),
        ("789", "789.00", "expense"),  # no Quicken-style "789 means 7.89" guessing
    ],
)
def test_parse_amount_rules(text, amount, kind):
    assert im.parse_amount(text) == (Decimal(amount), kind)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "required"),
        (None, "required"),
        ("abc", "not an amount"),
        ("0", "greater than zero"),
        ("0.00", "greater than zero"),
        ("100000.01", "at most 100,000"),
        ("12.345", "more than two decimal"),
        ("1,23.00", "not an amount"),
        ("+-5", "more than one sign"),
        ("--5", "more than one sign"),
        ("12.3.4", "not an amount"),
    ],
)
def test_parse_amount_rejects(text, message):
    with pytest.raises(ValueError, match=message):
        im.parse_amount(text)


@pytest.mark.parametrize(
    "value, expected",
    [("", None), ("Expense", "expense"), ("refund", "refund"), ("credit", "refund"), ("debit", "expense")],
)
def test_parse_kind(value, expected):
    assert im.parse_kind(value) == expected


def test_parse_kind_rejects_unknown():
    with pytest.raises(ValueError, match="not a kind"):
        im.parse_kind("gift")


# --------------------------------------------------------------------------- other fields
@pytest.mark.parametrize("value, expected", [("", 1), (None, 1), ("1", 1), ("50", 50), (4, 4), (3.0, 3)])
def test_party_size(value, expected):
    assert im.parse_party_size(value) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("0", "between 1 and 50"),
        ("51", "between 1 and 50"),
        ("two", "whole number"),
        ("2.5", "whole number"),
        ("-1", "whole number"),
    ],
)
def test_party_size_rejects(value, message):
    with pytest.raises(ValueError, match=message):
        im.parse_party_size(value)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Late Night", "late_night"),
        ("late-night", "late_night"),
        ("DINNER", "dinner"),
        ("snack", "snacks"),
        ("", ""),
    ],
)
def test_meal_type_choices(value, expected):
    assert im.parse_choice(value, im.MEAL_TYPES, "meal type") == expected


def test_order_type_aliases_and_rejects():
    assert im.parse_choice("Take Out", im.ORDER_TYPES, "order type") == "takeout"
    assert im.parse_choice("drive through", im.ORDER_TYPES, "order type") == "drive_thru"
    with pytest.raises(ValueError, match="not a order type"):
        im.parse_choice("teleport", im.ORDER_TYPES, "order type")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("date night, work;Team Lunch", ["date-night", "work", "Team-Lunch"]),
        (["b", "a", "B"], ["b", "a"]),
        ("caf\u00e9!!, --x--", ["caf", "x"]),
        ("", []),
        (None, []),
    ],
)
def test_tags_are_normalised_ordered_and_deduplicated(value, expected):
    assert im.parse_tags(value) == expected


@pytest.mark.parametrize("text", ["=SUM(A1)", "+1", "-x", "@me", "'quoted", "plain", ""])
def test_csv_escape_round_trips(text):
    escaped = cell_escape(text)
    assert escaped[:1] not in ("=", "+", "-", "@")
    assert cell_unescape(escaped) == text


# --------------------------------------------------------------------------- headers and files
def test_header_aliases_map_to_canonical_columns():
    mapping = im.map_headers(["Visit Date", "Payee", "Amount ", "Meal", "Party Size", "Labels", "Memo", "Posted"])
    assert mapping == {
        "Visit Date": "date",
        "Payee": "restaurant",
        "Amount ": "amount",
        "Meal": "meal_type",
        "Party Size": "party_size",
        "Labels": "tags",
        "Memo": "notes",
        "Posted": "cleared_date",
    }


def test_exact_canonical_header_wins_over_alias():
    assert im.map_headers(["Description", "Restaurant"]) == {"Restaurant": "restaurant"}
    assert im.map_headers(["Description", "Amount", "Date"])["Description"] == "restaurant"


def test_read_csv_upload():
    data = b"\xef\xbb\xbfDate,Merchant,Amount\n3/7/2026,Tacos,-12.50\n"
    rows, info = im.read_upload(data, "bank.CSV")
    assert rows == [{"date": "3/7/2026", "restaurant": "Tacos", "amount": "-12.50", "line": 1}]
    assert info["source"] == "generic"


def test_simplifi_date_is_also_the_cleared_date():
    rows, info = im.read_upload(b"Date,Payee,Amount,Exclusion\n2026-03-07,Tacos,-5,\n", "s.csv")
    assert info["source"] == "simplifi"
    assert rows[0]["cleared_date"] == "2026-03-07"


def test_read_json_upload():
    rows, _ = im.read_upload(json.dumps([{"date": "2026-03-07", "restaurant": "X", "amount": 5}]).encode(), "e.json")
    assert rows == [{"date": "2026-03-07", "restaurant": "X", "amount": 5, "line": 1}]


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b'{"a": 1}', "e.json", "must contain a list"),
        (b"[1, 2]", "e.json", "is not an object"),
        (b"[{]", "e.json", "not valid JSON"),
        (b"date,amount\n", "e.csv", "no rows"),
        (b"hello", "e.pdf", "Upload a .csv, .json, .ofx or .qfx"),
        (b"\xff\xfe\x00", "e.csv", "not UTF-8"),
        (b"foo,bar\n1,2\n", "e.csv", "No date column"),
        (b"date,restaurant\n2025-01-01,x\n", "e.csv", "No amount column"),
        (b"", "e.csv", "no header row"),
    ],
)
def test_bad_files_are_rejected_as_a_whole(data, name, message):
    with pytest.raises(im.ImportFileError, match=message):
        im.read_upload(data, name)


def test_too_many_rows_and_too_big():
    rows = "date,amount,restaurant\n" + "2025-01-01,1,x\n" * (im.MAX_ROWS + 1)
    with pytest.raises(im.ImportFileError, match="2001 rows; the limit is 2000"):
        im.read_upload(rows.encode(), "e.csv")
    with pytest.raises(im.ImportFileError, match="larger than 5 MB"):
        im.read_upload(b"x" * (im.MAX_BYTES + 1), "e.csv")


# --------------------------------------------------------------------------- rows
CATEGORIES = {"restaurants": (1, "Restaurants"), "fast food": (2, "Fast Food")}


def test_parse_row_collects_every_error():
    row = im.parse_row(
        {
            "date": "nope",
            "amount": "0",
            "party_size": "51",
            "meal_type": "brunchy",
            "category": "Pets",
            "time": "25:00",
            "kind": "gift",
        },
        line=3,
        categories=CATEGORIES,
        unescape=False,
    )
    assert set(row.errors) == {"date", "amount", "party_size", "meal_type", "category", "time", "kind", "restaurant"}
    assert row.errors["category"] == "unknown category “Pets”"
    assert row.line == 3


def test_parse_row_values():
    row = im.parse_row(
        {
            "date": "Jan 1, 2025",
            "time": "7:30 PM",
            "amount": "+$12.00",
            "restaurant": " Tacos ",
            "category": "fast food",
            "tags": "'=a, b",
            "notes": "'=1+1",
            "cleared_date": "1/9/2025",
        },
        line=1,
        categories=CATEGORIES,
        unescape=True,
    )
    assert row.errors == {}
    assert (row.date, row.time, row.amount, row.kind) == ("2025-01-01", "19:30:00", "12.00", "refund")
    assert (row.restaurant, row.category, row.category_id) == ("Tacos", "Fast Food", 2)
    assert row.tags == ["a", "b"]
    assert row.notes == "=1+1"
    assert row.warnings == ["cleared 8 days after the visit"]


def test_explicit_kind_column_wins_over_sign():
    row = im.parse_row(
        {"date": "2025-01-01", "amount": "12.00", "kind": "refund", "restaurant": "x"},
        line=1,
        categories={},
        unescape=False,
    )
    assert row.kind == "refund"


def test_visit_date_falls_back_to_cleared_date():
    row = im.parse_row(
        {"cleared_date": "2025-01-03", "amount": "1", "restaurant": "x"}, line=1, categories={}, unescape=False
    )
    assert row.date == "2025-01-03" and row.cleared_date == "2025-01-03"


# --------------------------------------------------------------------------- matching
REFS = [
    im.RestaurantRef(1, "Joe's Tacos", "Downtown", "12 Main St", "Austin"),
    im.RestaurantRef(2, "Joe's Tacos", "North", "900 Oak Ave", "Austin"),
    im.RestaurantRef(3, "The Burger Barn", "", "1 Elm St", "Austin"),
    im.RestaurantRef(4, "Burger Barn Express", "", "", "Austin"),
    im.RestaurantRef(5, "Pho & Co", "", "", ""),
    im.RestaurantRef(6, "Big Bowl Noodle House", "", "", ""),
]


def test_normalize_name():
    assert im.normalize_name("The Pho & Co. (Mobile Order)") == "pho and co"


def test_exact_display_name_and_address_scores_160():
    cands = im.RestaurantIndex(REFS).candidates("Joe's Tacos", "Downtown", "12 Main St.")
    assert cands[0] == im.Candidate(1, "Joe's Tacos - Downtown", 160, "exact display name and address")
    assert im.suggest_restaurant(cands) == 1


def test_same_name_other_location_needs_a_decision():
    cands = im.RestaurantIndex(REFS).candidates("Joe's Tacos")
    assert [(c.id, c.score, c.reason) for c in cands] == [
        (1, 100, "exact name, other location"),
        (2, 100, "exact name, other location"),
    ]
    assert im.suggest_restaurant(cands) is None


def test_exact_display_name_130_and_address_120():
    index = im.RestaurantIndex(REFS)
    assert [(c.id, c.score) for c in index.candidates("Joe's Tacos", "North")][:1] == [(2, 130)]
    assert [(c.id, c.score, c.reason) for c in index.candidates("Something", "", "900 Oak Ave")] == [
        (2, 120, "exact address")
    ]
    assert [(c.id, c.score) for c in index.candidates("Else", "", "900 Oak Ave Suite 2")] == [(2, 95)]


def test_word_prefix_and_substring_scores():
    index = im.RestaurantIndex(REFS)
    cands = index.candidates("Burger Barn")
    assert [(c.id, c.score, c.reason) for c in cands] == [
        (3, 130, "exact display name"),
        (4, 84, "shared prefix (first two words)"),
    ]  # "The" is not part of a name
    assert [(c.id, c.score) for c in index.candidates("Big Bowl Noodle Bar")] == [(6, 88)]
    assert [(c.id, c.score) for c in index.candidates("PHO AND CO ONLINE ORDER")] == [(5, 130)]
    assert [(c.id, c.score) for c in index.candidates("Pho and Company")] == [(5, 84)]
    assert [(c.id, c.score, c.reason) for c in index.candidates("Bowl Noodle")] == [(6, 80, "partial name")]
    assert im.suggest_restaurant(index.candidates("Bowl Noodle")) == 6
    assert index.candidates("Zzz Unknown") == []


def test_at_most_ten_candidates():
    refs = [im.RestaurantRef(i, f"Taco Place {i}") for i in range(12)]
    assert len(im.RestaurantIndex(refs).candidates("Taco Place")) == 10


# --------------------------------------------------------------------------- duplicates
def _existing(pk, day, amount, restaurant_id, kind="expense", fingerprint=(), cleared=None, **values):
    current = {
        "amount": amount,
        "kind": kind,
        "date": day.isoformat(),
        "time": None,
        "cleared_date": cleared.isoformat() if cleared else None,
        "meal_type": "",
        "order_type": "",
        "party_size": 1,
        "category": "",
        "notes": "",
        "tags": [],
        **values,
    }
    return im.ExistingExpense(
        pk, day, Decimal(amount), kind, restaurant_id, f"R{restaurant_id}", fingerprint, cleared, current
    )


def test_duplicates_same_amount_within_three_days():
    index = im.DuplicateIndex(
        [
            _existing(1, date(2025, 1, 10), "20.00", 1),
            _existing(2, date(2025, 1, 13), "20.00", 2),
            _existing(3, date(2025, 1, 14), "20.00", 1),  # 4 days away
            _existing(4, date(2025, 1, 10), "20.01", 1),  # other amount
            _existing(5, date(2025, 1, 10), "20.00", 1, kind="refund"),
            _existing(6, date(2025, 1, 7), "20.00", 3),
        ]
    )
    found = index.find(amount=Decimal("20.00"), kind="expense", on=date(2025, 1, 10), restaurant_id=2)
    assert [e.id for e in found] == [2, 1, 6]


def _review(rows, restaurants=REFS, existing=()):
    dupes = im.DuplicateIndex(list(existing))
    return im.build_review(
        rows,
        restaurants=im.RestaurantIndex(list(restaurants)),
        categories=CATEGORIES,
        duplicates_for=lambda row, rid: dupes.find(
            amount=Decimal(row.amount), kind=row.kind, on=date.fromisoformat(row.date), restaurant_id=rid
        ),
    )


def test_review_defaults_create_update_skip():
    base = {"date": "2025-01-10", "amount": "20.00", "restaurant": "Burger Barn Express"}
    row = im.parse_row(base, line=1, categories=CATEGORIES, unescape=False)
    identical = _existing(9, date(2025, 1, 10), "20.00", 4, fingerprint=im.row_fingerprint(row, 4))
    differs = _existing(8, date(2025, 1, 11), "20.00", 4)
    other_restaurant = _existing(7, date(2025, 1, 10), "20.00", 3)

    (created,) = _review([base])
    assert (created["restaurant_action"], created["suggested_restaurant_id"]) == ("match", 4)
    assert (created["expense_action"], created["duplicate_id"], created["duplicates"]) == ("create", None, [])

    (updated,) = _review([base], existing=[differs])
    assert (updated["expense_action"], updated["duplicate_id"]) == ("update", 8)
    assert updated["duplicates"] == [
        {
            "id": 8,
            "date": "2025-01-11",
            "amount": "20.00",
            "restaurant": "R4",
            "same_restaurant": True,
            "identical": False,
            "bank_match": False,
            "changes": {"date": ["2025-01-11", "2025-01-10"]},
            "take": ["date"],
        }
    ]

    (skipped,) = _review([base], existing=[differs, identical])
    assert (skipped["expense_action"], skipped["duplicate_id"]) == ("skip", 9)

    (elsewhere,) = _review([base], existing=[other_restaurant])
    assert (elsewhere["expense_action"], elsewhere["duplicate_id"]) == ("create", 7)


def test_review_unknown_restaurant_defaults_to_create_and_errors_skip():
    new, bad = _review(
        [
            {"date": "2025-01-10", "amount": "5", "restaurant": "Brand New Place"},
            {"date": "x", "amount": "5", "restaurant": "Brand New Place"},
        ]
    )
    assert (new["restaurant_action"], new["expense_action"], new["candidates"]) == ("create", "create", [])
    assert bad["expense_action"] == "skip" and "date" in bad["errors"]


def test_review_flags_repeated_rows_in_the_file():
    row = {"date": "2025-01-10", "amount": "5", "restaurant": "Pho & Co"}
    first, second = _review([row, row])
    assert first["warnings"] == [] and second["warnings"] == ["same amount, date and restaurant as line 1"]


def test_unknown_category_alone_keeps_the_row_applicable():
    (entry,) = _review([{"date": "2025-01-10", "amount": "5", "restaurant": "Pho & Co", "category": "Pets"}])
    assert entry["missing_category"] == "Pets"
    assert entry["expense_action"] == "create"


# --------------------------------------------------------------------------- properties

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)


@given(amounts)
def test_any_valid_amount_survives_every_written_form(amount):
    plain = f"{amount:.2f}"
    assert im.parse_amount(plain) == (amount, "expense")
    assert im.parse_amount(f"${amount:,.2f}") == (amount, "expense")
    assert im.parse_amount(f"({amount:,.2f})") == (amount, "expense")
    assert im.parse_amount(f"-{plain}") == (amount, "expense")
    assert im.parse_amount(f"+{plain}") == (amount, "refund")


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_any_date_survives_every_written_form(day):
    for text in (
        day.isoformat(),
        f"{day.month}/{day.day}/{day.year}",
        day.strftime("%d-%b-%y"),
        day.strftime("%b %d, %Y"),
        str((day - im.EXCEL_EPOCH).days),
    ):
        assert im.parse_date(text) == day, text


@given(st.text(max_size=30))
def test_csv_escape_is_reversible_for_any_text(text):
    assert cell_unescape(cell_escape(text)) == text
