"""No API response is untyped: walking the OpenAPI document, every 2xx JSON response body is an
object with declared properties (or a list of such), and so is every object inside it, unless the
field is listed below as free-form on purpose (raw rows from another system, each job kind's own
result). A generated client can then read every field it is given."""

from __future__ import annotations

from tests.openapi import openapi_schema

# Operations whose 2xx body is an untyped object, and fields inside typed responses that are still
# untyped objects: both must stay empty. Type the response with a serializer
# (`extend_schema(responses=...)`) or the field with a nested serializer.
STILL_UNTYPED_OPERATIONS: set[str] = set()
STILL_UNTYPED_FIELDS: set[str] = set()

# Fields that are free-form on purpose: their shape is another system's or varies by kind.
FREE_FORM_FIELDS = {
    "Job.result": "each job kind returns its own summary (shown as key/value pairs)",
    "RunJob.result": "the run's job summary, as Job.result",
    "PathfulUnmatched.raw": "the Pathful row exactly as it was imported",
    "AttendanceOverride.original": "the attendance record as it was before the override",
    "SalesforceSyncRun.errors": "Salesforce's error records, as received",
    "PathfulImport.errors[]": "row-level errors of an import file, keyed by its own columns",
    "ImportDraft.result": "the import's summary, as Job.result",
    "ImportDraftDetail.result": "the import's summary, as Job.result",
    "ImportDraft.missing_categories": "categories named in the uploaded file",
    "ImportDraftDetail.missing_categories": "categories named in the uploaded file",
    "ImportDraftDetail.rows": "the uploaded file's rows, keyed by its own columns",
}

COMPONENT_PREFIX = "#/components/schemas/"


def _untyped_spots(schema: dict, where: str, seen: frozenset, components: dict) -> list[str]:
    """Where inside `schema` an object has no declared properties (nor typed values), or an array
    has no typed items. `where` is the nearest component and field: "Component.field"."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(COMPONENT_PREFIX)
        return [] if name in seen else _untyped_spots(components[name], name, seen | {name}, components)
    composed = [sub for key in ("allOf", "oneOf", "anyOf") for sub in schema.get(key, [])]
    if composed:
        return [spot for sub in composed for spot in _untyped_spots(sub, where, seen, components)]
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        if not items:
            return [f"{where}[]"]
        return _untyped_spots(items, f"{where}[]", seen, components)
    if kind not in (None, "object") or "enum" in schema or "format" in schema:
        return []  # a scalar
    if schema.get("properties"):
        return [
            spot
            for field, sub in schema["properties"].items()
            for spot in _untyped_spots(sub, f"{where.split('.')[0]}.{field}", seen, components)
        ]
    values = schema.get("additionalProperties")
    if isinstance(values, dict) and values:
        return _untyped_spots(values, where, seen, components)
    return [where]


def untyped_responses() -> dict[str, set[str]]:
    """operationId → the untyped spots of its 2xx JSON responses ("body" for the whole body)."""
    schema = openapi_schema()
    components = schema["components"]["schemas"]
    found: dict[str, set[str]] = {}
    for operations in schema["paths"].values():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            for code, response in operation.get("responses", {}).items():
                if not code.startswith("2"):
                    continue
                content = response.get("content")
                if not content:
                    if code != "204":
                        found.setdefault(operation["operationId"], set()).add("body (missing)")
                    continue
                for media_type, body in content.items():
                    if "json" not in media_type:
                        continue  # CSV, PDF, calendars: files, typed by their media type
                    spots = _untyped_spots(body.get("schema") or {}, "body", frozenset(), components)
                    if spots:
                        found.setdefault(operation["operationId"], set()).update(spots)
    return found


def test_every_response_body_is_typed():
    untyped_bodies = {op for op, spots in untyped_responses().items() if spots & {"body", "body[]", "body (missing)"}}
    assert untyped_bodies - STILL_UNTYPED_OPERATIONS == set(), "type these responses with a serializer"
    assert STILL_UNTYPED_OPERATIONS - untyped_bodies == set(), "typed now: remove them from STILL_UNTYPED_OPERATIONS"


def test_every_field_of_a_typed_response_is_typed():
    spots = {
        spot for op, op_spots in untyped_responses().items() if op not in STILL_UNTYPED_OPERATIONS for spot in op_spots
    }
    allowed = STILL_UNTYPED_FIELDS | set(FREE_FORM_FIELDS)
    assert spots - allowed == set(), "type these fields (a nested serializer) or list them as free-form on purpose"
    assert STILL_UNTYPED_FIELDS - spots == set(), "typed now: remove them from STILL_UNTYPED_FIELDS"
    assert set(FREE_FORM_FIELDS) - spots == set(), "no longer free-form: remove them from FREE_FORM_FIELDS"


def test_the_walk_finds_untyped_spots():
    components = {"Typed": {"type": "object", "properties": {"n": {"type": "integer"}}}}
    walk = _untyped_spots
    assert walk({"type": "object"}, "body", frozenset(), components) == ["body"]
    assert walk({}, "body", frozenset(), components) == ["body"]
    assert walk({"type": "array"}, "body", frozenset(), components) == ["body[]"]
    assert walk({"type": "object", "additionalProperties": {}}, "body", frozenset(), components) == ["body"]
    assert walk({"type": "object", "additionalProperties": {"type": "integer"}}, "body", frozenset(), components) == []
    assert walk({"$ref": f"{COMPONENT_PREFIX}Typed"}, "body", frozenset(), components) == []
    nested = {"type": "object", "properties": {"data": {"type": "object"}, "n": {"type": "integer"}}}
    assert walk(nested, "Run", frozenset(), components) == ["Run.data"]
    assert walk({"type": "string", "format": "date"}, "body", frozenset(), components) == []
