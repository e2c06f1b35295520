"""The API's OpenAPI document, as /api/schema/ serves it, for tests that check what it promises."""

from functools import cache

from drf_spectacular.generators import SchemaGenerator


@cache
def openapi_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def component(name: str) -> dict:
    return openapi_schema()["components"]["schemas"][name]


def success_schema(method: str, path: str) -> dict:
    """The schema of the single 2xx JSON response of an operation (a component is resolved)."""
    responses = openapi_schema()["paths"][path][method.lower()]["responses"]
    (body,) = [r["content"]["application/json"]["schema"] for code, r in responses.items() if code.startswith("2")]
    return component(body["$ref"].rsplit("/", 1)[1]) if "$ref" in body else body
