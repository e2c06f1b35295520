"""The e-mail purposes Crewbase sends, each with the placeholders its sender supplies.

A template may use only its purpose's placeholders (checked when it is saved); the defaults
here become version 1 of each template the first time the purpose is sent or edited."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Purpose:
    key: str
    label: str
    placeholders: tuple[str, ...]
    subject: str
    body_text: str
    sample: dict[str, str] = field(default_factory=dict)


# Every template may also use these; the outbox fills them in.
COMMON_PLACEHOLDERS = ("site_name", "site_url", "recipient_name")
COMMON_SAMPLE = {"site_name": "Crewbase", "site_url": "https://crew.example.org", "recipient_name": "Jordan Lee"}

PURPOSES: dict[str, Purpose] = {
    p.key: p
    for p in (
        Purpose(
            key="magic_link",
            label="Magic link (teacher sign-in)",
            placeholders=("link", "expires_at"),
            subject="Your {{ site_name }} link",
            body_text=(
                "Hello {{ recipient_name }},\n\n"
                "Open your progress page with this link (valid until {{ expires_at }}):\n{{ link }}\n\n"
                "If you did not ask for it, ignore this e-mail."
            ),
            sample={"link": "https://crew.example.org/t/abc123/", "expires_at": "Oct 3, 2026 5:00 PM"},
        ),
        Purpose(
            key="signup_confirmation",
            label="Event sign-up confirmation",
            placeholders=("event_title", "event_start", "event_location", "district", "confirm_url", "cancel_url"),
            subject="Please confirm: {{ event_title }}",
            body_text=(
                "Hello {{ recipient_name }},\n\n"
                "Thank you for signing up for {{ event_title }} ({{ district }}) on {{ event_start }}"
                " at {{ event_location }}.\n\n"
                "Confirm your place: {{ confirm_url }}\n"
                "Cannot come after all? Cancel here: {{ cancel_url }}\n"
            ),
            sample={
                "event_title": "Career Day",
                "event_start": "Oct 3, 2026 9:00 AM",
                "event_location": "Central High School",
                "district": "Kansas City Public Schools",
                "confirm_url": "https://crew.example.org/s/abc/confirm/",
                "cancel_url": "https://crew.example.org/s/abc/cancel/",
            },
        ),
        Purpose(
            key="thank_you",
            label="Volunteer thank-you",
            placeholders=("hours", "events", "year"),
            subject="Thank you from {{ site_name }}",
            body_text=(
                "Dear {{ recipient_name }},\n\n"
                "In {{ year }} you gave {{ hours }} hours at {{ events }} events. Thank you!\n"
            ),
            sample={"hours": "12.5", "events": "4", "year": "2025-26"},
        ),
        Purpose(
            key="report_delivery",
            label="Report delivery",
            placeholders=("report_title", "link"),
            subject="Report ready: {{ report_title }}",
            body_text="Hello {{ recipient_name }},\n\nYour report “{{ report_title }}” is ready:\n{{ link }}\n",
            sample={"report_title": "District year-end 2025-26", "link": "https://crew.example.org/jobs/1/"},
        ),
        Purpose(
            key="oncall_escalation",
            label="On-call escalation (backup paged)",
            placeholders=("team", "shift", "reason", "starts_at", "ends_at"),
            subject="[{{ site_name }}] You are paged as backup: {{ team }}",
            body_text=(
                "Hello {{ recipient_name }},\n\n"
                "{{ reason }}\n"
                "You are on call as backup for {{ team }}, {{ shift }} ({{ starts_at }} to {{ ends_at }}).\n"
                "An SMS page is on its way as well.\n"
            ),
            sample={
                "team": "Field operations",
                "shift": "Monday 08:00 (24 h)",
                "reason": "The page to Jordan Lee failed: invalid number.",
                "starts_at": "Oct 5, 2026 8:00 AM",
                "ends_at": "Oct 6, 2026 8:00 AM",
            },
        ),
        Purpose(
            key="admin_alert",
            label="Administrator alert",
            placeholders=("title", "message"),
            subject="[{{ site_name }}] {{ title }}",
            body_text="{{ message }}\n",
            sample={"title": "Salesforce sync failed", "message": "The nightly sync failed: timeout."},
        ),
    )
}


def purpose_get(key: str) -> Purpose | None:
    return PURPOSES.get(key)


def purpose_choices() -> list[tuple[str, str]]:
    return [(p.key, p.label) for p in PURPOSES.values()]
