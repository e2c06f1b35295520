"""The directory's stored search text (`Volunteer.search_text`), kept current by every write path.

One lower-cased text per volunteer holds what the directory search looks in: the names ("first
last middle", so "ada lovelace" matches whatever the middle name), the work ("title department"),
each organization's name and aliases, and each skill. The parts are joined with SEPARATOR, a
control character no search term contains, so a term matches within one part only — the same
matches as looking in each column. PostgreSQL answers `LIKE '%term%'` on it from a trigram GIN
index (migration 0010); SQLite scans the one column.

Whatever changes one of those values calls `search_text_refresh` with the volunteers, organizations
or skills it touched: a few reads and one UPDATE per batch of changed rows, never one per volunteer.
A writer that has the values at hand (the Salesforce sync inserting volunteers) stores
`search_text_of(values, …)` with the row instead: the same text, built by the same function.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from . import bulkwrite
from .models import Affiliation, OrganizationAlias, Volunteer, VolunteerSkill

# The volunteer's own fields the text is made of (besides its organizations and skills).
TEXT_FIELDS = ("first_name", "last_name", "middle_name", "title", "department")
SEPARATOR = "\x1f"  # ASCII unit separator: whitespace to the term splitter, never typed in a search
BATCH = 1000


def search_text(
    *,
    first_name: str,
    last_name: str,
    middle_name: str,
    title: str,
    department: str,
    organizations: Iterable[str] = (),
    skills: Iterable[str] = (),
) -> str:
    parts = [
        f"{first_name} {last_name} {middle_name}",
        f"{title} {department}",
        *sorted(organizations),
        *sorted(skills),
    ]
    return SEPARATOR.join(p.replace(SEPARATOR, " ") for p in parts).lower()


def search_text_of(values: Mapping[str, str], *, organizations: Iterable[str] = (), skills: Iterable[str] = ()) -> str:
    """The text of a volunteer whose TEXT_FIELDS are in `values` (a field not there counts as blank,
    its default)."""
    return search_text(
        **{name: values.get(name) or "" for name in TEXT_FIELDS}, organizations=organizations, skills=skills
    )


def search_term(term: str) -> str | None:
    """The term as the column is searched (lower-cased); None for a term no text can contain."""
    term = term.lower()
    return None if SEPARATOR in term else term


def _batches(ids: list[int]):
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def volunteers_touched(
    volunteer_ids: Iterable[int] = (), *, organization_ids: Iterable[int] = (), skill_ids: Iterable[int] = ()
) -> set[int]:
    """The given volunteers, those affiliated with the given organizations and those holding the given
    skills: whose search text an edit of these rows changes. Ask before deleting an organization or
    a skill (its links go with it)."""
    wanted = {int(pk) for pk in volunteer_ids if pk is not None}
    organization_ids = [pk for pk in organization_ids if pk is not None]
    skill_ids = [pk for pk in skill_ids if pk is not None]
    if organization_ids:
        wanted.update(
            Affiliation.objects.filter(organization_id__in=organization_ids).values_list("volunteer_id", flat=True)
        )
    if skill_ids:
        wanted.update(VolunteerSkill.objects.filter(skill_id__in=skill_ids).values_list("volunteer_id", flat=True))
    return wanted


def search_text_refresh(
    volunteer_ids: Iterable[int] = (),
    *,
    organization_ids: Iterable[int] = (),
    skill_ids: Iterable[int] = (),
    everyone: bool = False,
) -> int:
    """Recompute the search text of the given volunteers, of the volunteers affiliated with the given
    organizations (renamed, alias added or removed) and of those holding the given skills (renamed);
    `everyone` for all volunteers. Writes only the texts that changed; returns how many."""
    if everyone:
        ids = list(Volunteer.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(volunteers_touched(volunteer_ids, organization_ids=organization_ids, skill_ids=skill_ids))
    changed = 0
    for batch in _batches(ids):
        changed += _refresh_batch(batch)
    return changed


def _refresh_batch(ids: list[int]) -> int:
    organizations: dict[int, list[int]] = {}
    names: dict[int, list[str]] = {}
    for volunteer_id, organization_id, name in Affiliation.objects.filter(volunteer_id__in=ids).values_list(
        "volunteer_id", "organization_id", "organization__name"
    ):
        organizations.setdefault(volunteer_id, []).append(organization_id)
        names.setdefault(organization_id, [name])
    for organization_id, alias in OrganizationAlias.objects.filter(organization_id__in=list(names)).values_list(
        "organization_id", "name"
    ):
        names[organization_id].append(alias)
    skills: dict[int, list[str]] = {}
    for volunteer_id, name in VolunteerSkill.objects.filter(volunteer_id__in=ids).values_list(
        "volunteer_id", "skill__name"
    ):
        skills.setdefault(volunteer_id, []).append(name)
    stale = []
    for pk, current, *own in Volunteer.objects.filter(pk__in=ids).values_list("pk", "search_text", *TEXT_FIELDS):
        text = search_text_of(
            dict(zip(TEXT_FIELDS, own, strict=True)),
            organizations=[n for org in organizations.get(pk, ()) for n in names[org]],
            skills=skills.get(pk, ()),
        )
        if text != current:
            stale.append({"search_text": text, Volunteer._meta.pk.attname: pk})
    bulkwrite.update(Volunteer, stale, fields=["search_text"])
    return len(stale)
