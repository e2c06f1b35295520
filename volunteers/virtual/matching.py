"""Person matching for imports: Salesforce id, then e-mail (any case), then normalised full name.

`name_keys` is the pure rule; `ContactMatcher` loads an index of one contact kind once (three
queries) and answers in memory, so an import of 20,000 rows does not query per row.
- "Last, First" is turned round; accents, case and punctuation are ignored; a hyphenated surname
  is the same as the two words ("Smith-Jones" = "Smith Jones");
- middle names are ignored on both sides: the key is (first given name, whole surname), and for
  a raw "First Middle Van Der Berg" every split of the tail into a surname is tried;
- more than one candidate is `ambiguous`: the caller queues the row, it never guesses.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from ..models import Contact, ContactEmail


def _plain(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("-", " ")
    text = re.sub(r"[^a-z0-9 ]", "", text)
    return text.split()


def name_key(first_name: str, last_name: str) -> str:
    """The key of a stored contact: first given name + whole surname."""
    first, last = _plain(first_name), _plain(last_name)
    return f"{first[0]}|{' '.join(last)}" if first and last else ""


def name_keys(full_name: str) -> list[str]:
    """Every key a raw full name may stand for (longest surname first)."""
    text = full_name or ""
    if "," in text:
        last, _, first = text.partition(",")
        text = f"{first} {last}"
    tokens = _plain(text)
    if len(tokens) < 2:
        return []
    return [f"{tokens[0]}|{' '.join(tokens[i:])}" for i in range(1, len(tokens))]


@dataclass(frozen=True)
class Match:
    contact_id: int | None
    how: str  # "salesforce_id", "email", "name", "ambiguous", "none"
    candidates: tuple[int, ...] = ()


class ContactMatcher:
    def __init__(self, *, kind: str):
        self.kind = kind
        contacts = Contact.objects.filter(kind=kind).values_list("pk", "salesforce_id", "first_name", "last_name")
        self.by_sf: dict[str, int] = {}
        self.by_name: dict[str, set[int]] = defaultdict(set)
        for pk, sf_id, first, last in contacts:
            if sf_id:
                self.by_sf[sf_id] = pk
            key = name_key(first, last)
            if key:
                self.by_name[key].add(pk)
        self.by_email: dict[str, set[int]] = defaultdict(set)
        for contact_id, email in ContactEmail.objects.filter(contact__kind=kind).values_list("contact_id", "email"):
            self.by_email[email.lower()].add(contact_id)

    def add(
        self, *, contact_id: int, first_name: str, last_name: str, email: str = "", salesforce_id: str = ""
    ) -> None:
        """Make a contact created during the import findable by the rows after it."""
        if salesforce_id:
            self.by_sf[salesforce_id] = contact_id
        key = name_key(first_name, last_name)
        if key:
            self.by_name[key].add(contact_id)
        if email:
            self.by_email[email.lower()].add(contact_id)

    def match(self, *, name: str, email: str = "", salesforce_id: str = "") -> Match:
        if salesforce_id and salesforce_id in self.by_sf:
            return Match(self.by_sf[salesforce_id], "salesforce_id")
        if email:
            found = self.by_email.get(email.lower(), set())
            if len(found) == 1:
                return Match(next(iter(found)), "email")
            if len(found) > 1:
                return Match(None, "ambiguous", tuple(sorted(found)))
        found = set()
        for key in name_keys(name):
            found |= self.by_name.get(key, set())
        if len(found) == 1:
            return Match(next(iter(found)), "name")
        if found:
            return Match(None, "ambiguous", tuple(sorted(found)))
        return Match(None, "none")


def teacher_match(*, name: str, email: str = "", salesforce_id: str = "") -> Match:
    """One-off lookup (pages, resolution); imports build one `ContactMatcher` instead."""
    return ContactMatcher(kind=Contact.Kind.TEACHER).match(name=name, email=email, salesforce_id=salesforce_id)
