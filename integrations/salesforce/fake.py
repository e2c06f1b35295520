"""Deterministic fake Salesforce with demo data (used in fake mode, the demo and tests).

It understands the small SOQL subset the sync uses in WHERE clauses: `Field = 'x'`, `!=`, `= null`,
`IN (...)`, `NOT IN (...)`, joined by AND / OR with parentheses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from integrations.base import PermanentError

from .interface import QueryPage, SalesforceRecord, parse_sf_datetime

PAGE_SIZE = 200
EPOCH = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


class FakeSalesforceClient:
    def __init__(self, data: dict[str, list[dict[str, Any]]] | None = None, *, page_size: int = PAGE_SIZE):
        self.data = data if data is not None else demo_dataset()
        self.page_size = page_size
        self.queries: list[tuple[str, str, datetime | None]] = []

    def _matching(self, sobject: str, where: str, modified_after: datetime | None) -> list[dict]:
        predicate = compile_where(where)
        rows = []
        for raw in self.data.get(sobject, []):
            if not predicate(raw):
                continue
            modified = parse_sf_datetime(raw.get("LastModifiedDate"))
            if modified_after is not None and (modified is None or modified <= modified_after):
                continue
            rows.append(raw)
        rows.sort(key=lambda r: (r.get("LastModifiedDate") or "", r["Id"]))
        return rows

    def query_pages(
        self, *, sobject: str, fields: tuple[str, ...], where: str = "", modified_after: datetime | None = None
    ) -> Iterator[QueryPage]:
        if sobject not in KNOWN_OBJECTS:
            raise PermanentError(
                f"sObject type '{sobject}' is not supported.", system="salesforce", code="INVALID_TYPE"
            )
        self.queries.append((sobject, where, modified_after))
        rows = self._matching(sobject, where, modified_after)
        wanted = ("Id", "LastModifiedDate", *fields)
        if not rows:
            yield QueryPage(records=[], total_size=0, done=True)
            return
        for start in range(0, len(rows), self.page_size):
            chunk = rows[start : start + self.page_size]
            records = [
                SalesforceRecord(
                    id=r["Id"],
                    sobject=sobject,
                    fields={k: r.get(k) for k in wanted},
                )
                for r in chunk
            ]
            yield QueryPage(records=records, total_size=len(rows), done=start + self.page_size >= len(rows))

    def count(self, *, sobject: str, where: str = "") -> int:
        return len(self._matching(sobject, where, None))

    # ------------------------------------------------------------------ test helpers
    def upsert(self, sobject: str, record: dict[str, Any], *, modified: datetime | None = None) -> None:
        record = dict(record)
        record["LastModifiedDate"] = sf_datetime(modified or datetime.now(UTC))
        rows = self.data.setdefault(sobject, [])
        for i, existing in enumerate(rows):
            if existing["Id"] == record["Id"]:
                rows[i] = {**existing, **record}
                return
        rows.append(record)


KNOWN_OBJECTS = {
    "Account",
    "Class__c",
    "Contact",
    "npe5__Affiliation__c",
    "Session__c",
    "Session_Participant__c",
    "Task",
    "EmailMessage",
}


def sf_datetime(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


# --------------------------------------------------------------------------- tiny WHERE evaluator
_TOKEN = re.compile(r"\s*(\(|\)|'(?:[^'\\]|\\.)*'|!=|=|,|[A-Za-z_][A-Za-z0-9_.]*)")


def _tokens(text: str) -> list[str]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise PermanentError(
                f"MALFORMED_QUERY near {text[pos : pos + 20]!r}", system="salesforce", code="MALFORMED_QUERY"
            )
        tokens.append(match.group(1))
        pos = match.end()
    return tokens


def compile_where(where: str):
    if not where.strip():
        return lambda row: True
    tokens = _tokens(where)
    pos = 0

    def peek(offset=0):
        return tokens[pos + offset] if pos + offset < len(tokens) else None

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def value(tok):
        if tok.lower() == "null":
            return None
        if tok.startswith("'"):
            return tok[1:-1].replace("\\'", "'")
        if tok.lower() in ("true", "false"):
            return tok.lower() == "true"
        return tok

    def comparison():
        if peek() == "(":
            take()
            inner = disjunction()
            take()  # ")"
            return inner
        field = take()
        op = take()
        if op.upper() == "NOT" and (peek() or "").upper() == "IN":
            take()
            op = "NOT IN"
        if op.upper() in ("IN", "NOT IN"):
            take()  # "("
            values = []
            while peek() != ")":
                tok = take()
                if tok != ",":
                    values.append(value(tok))
            take()
            negate = op.upper() == "NOT IN"
            return lambda row: (row.get(field) in values) != negate
        literal = value(take())
        if op == "=":
            return lambda row: row.get(field) == literal
        if op == "!=":
            return lambda row: row.get(field) != literal
        raise PermanentError(f"MALFORMED_QUERY: unsupported operator {op}", system="salesforce")

    def conjunction():
        parts = [comparison()]
        while (peek() or "").upper() == "AND":
            take()
            parts.append(comparison())
        return lambda row: all(p(row) for p in parts)

    def disjunction():
        parts = [conjunction()]
        while (peek() or "").upper() == "OR":
            take()
            parts.append(conjunction())
        return lambda row: any(p(row) for p in parts)

    return disjunction()


# --------------------------------------------------------------------------- demo data
FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Maria",
    "James",
    "Aisha",
    "Chen",
    "Luis",
    "Priya",
    "Noah",
    "Emma",
    "Olivia",
    "Liam",
    "Sofia",
    "Mateo",
    "Zoe",
    "Ethan",
    "Amara",
    "Kenji",
    "Hannah",
]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Garcia",
    "Johnson",
    "Khan",
    "Wang",
    "Martinez",
    "Patel",
    "Smith",
    "Brown",
    "Nguyen",
    "Okafor",
    "Rossi",
    "Schmidt",
    "Ito",
    "Mensah",
    "Silva",
    "Cohen",
    "Reyes",
]


def sf_id(prefix: str, n: int) -> str:
    return f"{prefix}{n:0{18 - len(prefix)}d}"


def demo_dataset() -> dict[str, list[dict[str, Any]]]:
    """A small, deterministic org: districts, schools, organizations, classes, contacts, affiliations,
    sessions, participants and activity, with the data-quality problems seen in production (ALL-CAPS
    names, "None" emails, an unknown session type, an organization without a type, a participant
    whose contact is missing)."""
    t = 0

    def stamp():
        nonlocal t
        t += 1
        return sf_datetime(EPOCH + timedelta(minutes=t))

    accounts, classes, contacts, affiliations, sessions, participants, tasks = [], [], [], [], [], [], []
    districts = [("Riverside Unified", "RIV"), ("Prairie Valley Schools", "PVS"), ("Northgate District", "NGD")]
    for i, (name, code) in enumerate(districts):
        accounts.append(
            {
                "Id": sf_id("001D", i),
                "Name": name,
                "Type": "School District",
                "ParentId": None,
                "School_Code_External_ID__c": code,
                "LastModifiedDate": stamp(),
            }
        )
    schools = [
        ("Riverside High", 0, "High"),
        ("Riverside Middle", 0, "Middle"),
        ("Oak Park Elementary", 0, "Elementary"),
        ("Prairie Valley High", 1, "High"),
        ("Sunflower Elementary", 1, "Elementary"),
        ("Northgate Academy", 2, "Middle"),
    ]
    for i, (name, d, level) in enumerate(schools):
        accounts.append(
            {
                "Id": sf_id("001S", i),
                "Name": name,
                "Type": "School",
                "ParentId": sf_id("001D", d),
                "School_Code_External_ID__c": f"S{i:03d}",
                "Level__c": level,
                "LastModifiedDate": stamp(),
            }
        )
    orgs = [
        ("Heartland Bank", "Business"),
        ("Prairie Health System", "Non-Profit"),
        ("Riverbend Engineering", "Business"),
        ("City of Riverside", "Government"),
        ("Midtown Software", "Business"),
        ("Union Station Museum", "Non-Profit"),
        ("Gateway Logistics", None),
        ("Blue River Energy", "Corporate Partner"),
    ]
    for i, (name, kind) in enumerate(orgs):
        accounts.append(
            {
                "Id": sf_id("001O", i),
                "Name": name,
                "Type": kind,
                "Description": "",
                "BillingCity": "Riverside",
                "BillingState": "MO",
                "BillingPostalCode": "64108",
                "LastActivityDate": "2025-11-03",
                "LastModifiedDate": stamp(),
            }
        )
    for i in range(len(schools) * 2):
        classes.append(
            {
                "Id": sf_id("a0C", i),
                "Name": f"Class of {2027 + i % 4}",
                "School__c": sf_id("001S", i // 2),
                "Class_Year_Number__c": 2027 + i % 4,
                "LastModifiedDate": stamp(),
            }
        )
    titles = ["Software Engineer", "Registered Nurse", "Accountant", "Civil Engineer", "Attorney", "Data Analyst"]
    for i in range(60):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        if i % 15 == 3:
            first, last = first.upper(), last.upper()
        email = f"{first}.{last}{i}@example.org".lower() if i % 11 != 5 else "None"
        work_email = f"{first[0]}{last}{i}@{orgs[i % len(orgs)][0].split()[0]}.example".lower() if i % 3 == 0 else None
        mobile = f"(913) 555-{2000 + i:04d}" if i % 5 == 0 else None
        contacts.append(
            {
                "Id": sf_id("003V", i),
                "Contact_Type__c": "Volunteer" if i % 9 else None,
                "FirstName": first,
                "LastName": last,
                "MiddleName": None,
                "Salutation": None,
                "Suffix": None,
                # NPSP: Email and Phone copy the preferred address and number.
                "Email": work_email or email,
                "npe01__HomeEmail__c": email,
                "npe01__WorkEmail__c": work_email,
                "npe01__AlternateEmail__c": None,
                "npe01__Preferred_Email__c": "Work" if work_email else "Personal",
                "Phone": mobile or (f"(816) 555-{1000 + i:04d}" if i % 4 else "None"),
                "HomePhone": f"(816) 555-{1000 + i:04d}" if i % 4 else "None",
                "MobilePhone": mobile,
                "npe01__WorkPhone__c": None,
                "OtherPhone": None,
                "npe01__PreferredPhone__c": "Mobile" if mobile else "Home",
                "Volunteer_Skills__c": ["Python;Public Speaking", "Nursing", "Accounting;Excel", None][i % 4],
                "Volunteer_Skills_Text__c": ["public speaking, Mentoring ", "None", "", "CAD; Surveying"][i % 4],
                "Volunteer_Interests__c": "STEM outreach" if i % 2 else None,
                "Racial_Ethnic_Background__c": ["Black/African American", "Hispanic/Latino", "White", "Asian", None][
                    i % 5
                ],
                "Age_Group__c": ["25-34", "35-44", "45-54"][i % 3],
                "Title": titles[i % len(titles)],
                "Department": "Operations",
                "Gender__c": ["Female", "Male", "Non-Binary", None][i % 4],
                "Birthdate": None,
                "DoNotCall": i % 17 == 0,
                "Do_Not_Contact__c": False,
                "HasOptedOutOfEmail": i % 23 == 0,
                "EmailBouncedDate": None,
                "npsp__Primary_Affiliation__c": sf_id("001O", i % len(orgs)),
                "MailingCity": "Riverside",
                "MailingState": "MO",
                "MailingPostalCode": ["64108", "66061", "10001"][i % 3],
                "Highest_Level_of_Educational__c": None,
                "Local_Student_ID__c": None,
                "Class__c": None,
                "Current_Grade__c": None,
                "LastModifiedDate": stamp(),
            }
        )
        affiliations.append(
            {
                "Id": sf_id("a05", i),
                "npe5__Contact__c": sf_id("003V", i),
                "npe5__Organization__c": sf_id("001O", i % len(orgs)),
                "npe5__Role__c": titles[i % 6],
                "npe5__Primary__c": True,
                "npe5__Status__c": "Current",
                "npe5__StartDate__c": "2022-09-01",
                "npe5__EndDate__c": None,
                "LastModifiedDate": stamp(),
            }
        )
    for i in range(18):
        contacts.append(
            {
                "Id": sf_id("003T", i),
                "Contact_Type__c": "Teacher",
                "FirstName": FIRST[(i + 3) % 20],
                "LastName": LAST[(i + 5) % 20],
                "Email": f"teacher{i}@riverside.k12.example",
                "Phone": None,
                "Department": ["Science", "Math", "English"][i % 3],
                "Gender__c": None,
                "npsp__Primary_Affiliation__c": sf_id("001S", i % len(schools)),
                "LastModifiedDate": stamp(),
            }
        )
    for i in range(90):
        contacts.append(
            {
                "Id": sf_id("003P", i),
                "Contact_Type__c": "Student",
                "FirstName": FIRST[(i + 1) % 20],
                "LastName": LAST[(i * 3) % 20] if i % 10 else LAST[(i * 3) % 20].upper(),
                "Email": "None" if i % 2 else None,
                "Phone": "None",
                "npsp__Primary_Affiliation__c": sf_id("001S", i % len(schools)),
                "Local_Student_ID__c": f"ST{i:05d}",
                "Racial_Ethnic_Background__c": ["Hispanic/Latino", "Black/African American", "White", None][i % 4],
                "Class__c": sf_id("a0C", (i % len(schools)) * 2),
                "Current_Grade__c": 6 + i % 7,
                "Gender__c": None,
                "LastModifiedDate": stamp(),
            }
        )
    types = [
        "Career Speaker",
        "Virtual Session",
        "Career Fair",
        "Career Jumping",
        "DIA",
        "Math Relays",
        "In-Person Session",
        "Robot Showcase",
    ]
    statuses = ["Completed", "Completed", "Confirmed", "Cancelled", "Requested", "Completed"]
    for i in range(24):
        start = datetime(2025, 9, 8, 14, 0, tzinfo=UTC) + timedelta(days=7 * i)
        status = statuses[i % len(statuses)]
        sessions.append(
            {
                "Id": sf_id("a0S", i),
                "Name": f"{types[i % len(types)]} at {schools[i % len(schools)][0]}",
                "Session_Type__c": types[i % len(types)],
                "Format__c": "Virtual" if types[i % len(types)] == "Virtual Session" else "In-Person",
                "Start_Date_and_Time__c": sf_datetime(start),
                "End_Date_and_Time__c": sf_datetime(start + timedelta(hours=1, minutes=30)),
                "Session_Status__c": status,
                "Location_Information__c": schools[i % len(schools)][0],
                "Description__c": "",
                "Cancellation_Reason__c": "Weather/Snow Day" if status == "Cancelled" else None,
                "School__c": sf_id("001S", i % len(schools)),
                "District__c": sf_id("001D", schools[i % len(schools)][1]),
                "Session_Host__c": "Crewbase",
                "Registration_Link__c": None,
                "Total_Requested_Volunteer_Jobs__c": 4,
                "LastModifiedDate": stamp(),
            }
        )
    n = 0
    for i in range(24):
        for k in range(5):
            n += 1
            participants.append(
                {
                    "Id": sf_id("a0P", n),
                    "Participant_Type__c": "Volunteer",
                    "Contact__c": sf_id("003V", (i * 5 + k) % 60),
                    "Session__c": sf_id("a0S", i),
                    "Status__c": ["Attended", "Completed", "No-Show", "Registered", "Successfully Completed"][k],
                    "Delivery_Hours__c": 1.5,
                    "Age_Group__c": None,
                    "Email__c": None,
                    "Title__c": None,
                    "LastModifiedDate": stamp(),
                }
            )
        for k in range(6):
            n += 1
            participants.append(
                {
                    "Id": sf_id("a0P", n),
                    "Participant_Type__c": "Student",
                    "Contact__c": sf_id("003P", (i * 6 + k) % 90),
                    "Session__c": sf_id("a0S", i),
                    "Status__c": "Attended",
                    "Delivery_Hours__c": 1.5,
                    "Age_Group__c": None,
                    "Email__c": None,
                    "Title__c": None,
                    "LastModifiedDate": stamp(),
                }
            )
    # A participant whose volunteer has not reached Salesforce's Contact sync yet (pending queue).
    participants.append(
        {
            "Id": sf_id("a0P", 9999),
            "Participant_Type__c": "Volunteer",
            "Contact__c": sf_id("003V", 9999),
            "Session__c": sf_id("a0S", 0),
            "Status__c": "Attended",
            "Delivery_Hours__c": 2,
            "Age_Group__c": None,
            "Email__c": None,
            "Title__c": None,
            "LastModifiedDate": stamp(),
        }
    )
    for i in range(40):
        tasks.append(
            {
                "Id": sf_id("00T", i),
                "WhoId": sf_id("003V", i),
                "Subject": "Thank-you call",
                "Description": "Called to thank them for volunteering.",
                "ActivityDate": "2025-10-15",
                "Type": "Call",
                "Status": "Completed",
                "LastModifiedDate": stamp(),
            }
        )
    emails = [
        {
            "Id": sf_id("02s", i),
            "RelatedToId": sf_id("003V", i),
            "Subject": "Session confirmation",
            "TextBody": "Thanks for signing up!",
            "MessageDate": "2025-10-01T15:00:00.000+0000",
            "FromAddress": "events@crewbase.example",
            "ToAddress": f"v{i}@example.org",
            "LastModifiedDate": stamp(),
        }
        for i in range(20)
    ]
    return {
        "Account": accounts,
        "Class__c": classes,
        "Contact": contacts,
        "npe5__Affiliation__c": affiliations,
        "Session__c": sessions,
        "Session_Participant__c": participants,
        "Task": tasks,
        "EmailMessage": emails,
    }
