"""Every response of the scheduling and volunteers APIs is typed in the OpenAPI schema: no object
without declared properties (or a typed `additionalProperties`) anywhere in a 2xx body, so a
generated client gets models, not free-form dictionaries."""

import pytest

from tests.openapi import component, openapi_schema, success_schema

OWNED = ("/api/v1/scheduling/", "/api/v1/volunteers/")
# Owned elsewhere: the teacher programme's API (virtual/), and the jobs' `result` (project/).
ELSEWHERE = ("/api/v1/volunteers/virtual/",)
NOT_OURS = {"Job", "RunJob"}


def _free_form(schema: dict, where: str, seen: frozenset, found: list) -> None:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name not in seen:
            _free_form(component(name), f"{where}→{name}", seen | {name}, found)
        return
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, []):
            _free_form(sub, where, seen, found)
    properties = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    if schema.get("type") == "object" and not properties and not isinstance(extra, dict):
        found.append(where)
    if isinstance(extra, dict):
        if not extra:
            found.append(f"{where}.*")
        else:
            _free_form(extra, f"{where}.*", seen, found)
    if schema.get("type") == "array":
        if not schema.get("items"):
            found.append(f"{where}[]")
        else:
            _free_form(schema["items"], f"{where}[]", seen, found)
    for name, sub in properties.items():
        if where.rsplit("→", 1)[-1] in NOT_OURS and name == "result":
            continue
        _free_form(sub, f"{where}.{name}", seen, found)


def _operations():
    for path, operations in openapi_schema()["paths"].items():
        if not path.startswith(OWNED) or path.startswith(ELSEWHERE):
            continue
        for method, operation in operations.items():
            for code, response in operation.get("responses", {}).items():
                if code.startswith("2") and "application/json" in response.get("content", {}):
                    yield f"{method.upper()} {path} {code}", response["content"]["application/json"]["schema"]


def test_every_owned_response_is_typed():
    operations = list(_operations())
    assert len(operations) > 60  # the scheduling and volunteers APIs, not an empty walk
    found: list[str] = []
    for name, schema in operations:
        _free_form(schema, name, frozenset(), found)
    assert found == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/volunteers/reports/thank-you/", {"title", "columns", "rows", "start", "end", "by", "volunteers"}),
        (
            "/api/v1/volunteers/reports/district-year-end/",
            {"district", "academic_year", "events_total", "volunteer_hours", "schools_by_level", "by_event_type"},
        ),
        ("/api/v1/volunteers/reports/organizations/", {"academic_year", "start", "end", "organizations"}),
        ("/api/v1/volunteers/reports/first-time/", {"start", "end", "count", "volunteers"}),
    ],
)
def test_reports_declare_their_figures(path, expected):
    schema = success_schema("get", path)
    assert expected <= set(schema["properties"])
    assert {"title", "subtitle", "columns", "rows"} <= set(schema["required"])


def test_run_settings_scores_and_run_start_are_typed():
    settings_used = component("SchedulerRunDetail")["properties"]["settings_used"]
    assert set(component(settings_used["allOf"][0]["$ref"].rsplit("/", 1)[1])["properties"]) == {
        "buffer_days",
        "short_notice_free_slots",
        "core_slots",
        "supervisor_time",
    }
    scores = component("QualityRunDetail")["properties"]["scores"]
    entity = component(scores["additionalProperties"]["$ref"].rsplit("/", 1)[1])
    assert set(entity["properties"]) == {"score", "dimensions"}
    started = openapi_schema()["paths"]["/api/v1/scheduling/runs/"]["post"]["responses"]["202"]
    body = component(started["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1])
    assert body["properties"]["run"]["type"] == "integer" and "run" in body["required"]
