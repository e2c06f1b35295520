"""The reports, the scheduler run's settings snapshot, the quality scores and the run-start body
declare their figures in the OpenAPI schema (the walk over every response is
`tests/project/test_api_typed.py`)."""

import pytest

from tests.openapi import component, openapi_schema, success_schema


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
