"""Shared API building blocks: error format, input rules (pagination, query parameters, strict
serializers and filters), permissions, and the schema hooks that document them."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.template import loader
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.widgets import BooleanWidget
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.utils import html
from rest_framework.views import exception_handler as drf_exception_handler

from .jobs import JobNotQueued


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        """A positive whole number, capped at `max_page_size`; empty means the default; anything
        else is a 400 (DRF would silently fall back to the default)."""
        raw = request.query_params.get(self.page_size_query_param)
        if not raw:
            return self.page_size
        if not re.fullmatch(r"[0-9]+", raw) or int(raw) < 1:
            raise exceptions.ValidationError({self.page_size_query_param: ["A positive whole number is required."]})
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters


class CountedRows:
    """A `.values()` queryset for Pagination, counted by the model queryset it was made from: the
    count then leaves out the joins that only the page's columns need (a parent table's columns,
    for instance), and the page is plain rows for a view that shapes them itself."""

    def __init__(self, rows: models.QuerySet, counted: models.QuerySet):
        self.rows, self.counted = rows, counted
        self.ordered = rows.ordered

    def count(self) -> int:
        return self.counted.count()

    def __getitem__(self, index):
        return self.rows[index]


class RequestInputMiddleware:
    """Input rules checked before any view runs:
    - no NUL character in the path or a query parameter, anywhere on the site (PostgreSQL
      cannot store or compare text holding one, so it would surface as a database error);
    - API query parameters are single values: `?team=1&team=2` is a 400 naming the parameter
      instead of a silent pick of the last one. A view lists the parameters that may repeat in
      `repeatable_query_parameters` (and documents them as arrays)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        is_api = request.path_info.startswith("/api/")
        with_nul = sorted(
            {key for key, values in request.GET.lists() if "\x00" in key or any("\x00" in value for value in values)}
        )
        if with_nul or "\x00" in request.path_info:
            message = "A NUL character is not allowed."
            if not is_api:
                return HttpResponseBadRequest(loader.render_to_string("400.html", request=request))
            if not with_nul:
                return JsonResponse({"detail": f"Invalid path: {message}", "errors": {}}, status=400)
            return _invalid_input_response({key: [message] for key in with_nul})
        if not is_api:
            return None
        allowed = getattr(getattr(view_func, "cls", None), "repeatable_query_parameters", ())
        repeated = sorted(key for key, values in request.GET.lists() if len(values) > 1 and key not in allowed)
        if not repeated:
            return None
        return _invalid_input_response({key: ["Give this parameter only once."] for key in repeated})


def _invalid_input_response(errors: dict) -> JsonResponse:
    """A 400 in the error format of `exception_handler`, before any view (so outside DRF)."""
    return JsonResponse({"detail": _invalid_input_detail(errors), "errors": errors}, status=400)


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A required service is unavailable. Try again later."
    default_code = "service_unavailable"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the data."
    default_code = "conflict"


def _in_use_detail(exc: ProtectedError | RestrictedError) -> str:
    """ "Still in use by 2 schools, 1 event." from the rows that block a delete."""
    blockers = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
    counts = Counter(obj._meta for obj in blockers)
    uses = ", ".join(f"{n} {meta.verbose_name if n == 1 else meta.verbose_name_plural}" for meta, n in counts.items())
    return f"This cannot be deleted: it is still in use by {uses}."


def _errors_dict(detail) -> dict:
    if isinstance(detail, dict):
        return {str(k): v if isinstance(v, list | dict) else [v] for k, v in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {}


def exception_handler(exc, context):
    """Every API error is `{"detail": str, "errors": {field: [messages]}}` with a 4xx/503 code."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, OverflowError):  # e.g. an id beyond 64 bits, which SQLite cannot even look up
        exc = exceptions.ValidationError({"non_field_errors": ["A number in the request is out of range."]})
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = Conflict(_in_use_detail(exc))
    elif isinstance(exc, JobNotQueued):
        exc = ServiceUnavailable("The job could not be queued: the task broker is unreachable. Try again later.")

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _errors_dict(exc.detail)
        response.data = {"detail": _invalid_input_detail(errors), "errors": errors}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        response.data = {
            "detail": str(detail) if not isinstance(detail, dict | list) else "Request failed.",
            "errors": _errors_dict(detail) if isinstance(detail, dict | list) else {},
        }
    return response


def _invalid_input_detail(errors: dict) -> str:
    """ "Invalid input: team, start." naming the fields, or the one message that is not a field's."""
    fields = ", ".join(k for k in errors if k != "non_field_errors")
    return f"Invalid input: {fields}." if fields else _first_message(errors) or "Invalid input."


def _first_message(errors: dict) -> str:
    for messages in errors.values():
        if messages:
            return str(messages[0])
    return ""


# JSON types fields insist on; DRF would read 0 as "0", 1 as True and "5" as 5.
JSON_TYPES = ((serializers.BooleanField, bool), (serializers.CharField, str), (serializers.IntegerField, int))


def _json_type_error(field, value) -> str | None:
    """The field's own "invalid" message if a JSON value has the wrong type, else None."""
    if value is None:
        return None  # the field's allow_null decides
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        return next(filter(None, (_json_type_error(field.child, item) for item in value)), None)
    for field_class, json_type in JSON_TYPES:
        if isinstance(field, field_class):
            matches = isinstance(value, json_type) and (json_type is bool or not isinstance(value, bool))
            return None if matches else str(field.error_messages["invalid"])
    return None


class StrictFieldsMixin:
    # Unknown fields are a 400 that names them instead of being silently ignored, and a JSON body
    # must use the JSON types the fields document. (A comment, not a docstring: drf-spectacular
    # would show a docstring as the description of every serializer that uses the mixin.)

    def to_internal_value(self, data):
        problems = {}
        if isinstance(data, dict):
            writable = {name: f for name, f in self.fields.items() if not f.read_only}
            problems = {name: ["Unknown field."] for name in sorted(set(data) - set(writable))}
            if not html.is_html_input(data):  # query parameters are all strings
                typed = {
                    name: _json_type_error(writable[name], value) for name, value in data.items() if name in writable
                }
                problems |= {name: [message] for name, message in typed.items() if message}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if problems and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**problems, **exc.detail}) from exc
            raise
        if problems:
            raise serializers.ValidationError(problems)
        return value


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    pass


class DateTimeField(serializers.DateTimeField):
    """Refuses instants before 1900: time zones then used local mean time, so they would be
    written back with offsets in seconds (-05:50:36) that RFC 3339 and clients do not accept."""

    earliest = datetime(1900, 1, 1, tzinfo=UTC)

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if parsed < self.earliest:
            raise serializers.ValidationError("Use a date from 1900 on.")
        return parsed


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """Without DRF's "" -> null coercion (a habit of HTML forms): in JSON, "" is not an id."""

    def run_validation(self, data=serializers.empty):
        if data == "":
            self.fail("incorrect_type", data_type="str")
        return super().run_validation(data)


class StrictModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
    }
    serializer_related_field = PrimaryKeyRelatedField


class _StrictBooleanWidget(BooleanWidget):
    def value_from_datadict(self, data, files, name):
        raw = data.get(name)
        value = super().value_from_datadict(data, files, name)
        return raw if value is None and raw not in (None, "") else value  # unknown text reaches the field


class _StrictBooleanField(forms.NullBooleanField):
    def to_python(self, value):
        if isinstance(value, str):
            raise forms.ValidationError("Use true or false.", code="invalid")
        return value


class StrictBooleanFilter(django_filters.BooleanFilter):
    """true/false (or 1/0); django-filter would silently ignore anything else, like `?active=yes`."""

    field_class = _StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", _StrictBooleanWidget)
        super().__init__(*args, **kwargs)


class FilterSet(django_filters.rest_framework.FilterSet):
    FILTER_DEFAULTS = {
        **django_filters.rest_framework.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }


class FilterBackend(DjangoFilterBackend):
    """django-filter for `filterset_fields`, with strict booleans."""

    filterset_base = FilterSet


class RoleModelPermissions(permissions.DjangoModelPermissions):
    """Model permissions from the role groups, including `view` for reads."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }


ERROR_SCHEMA = {
    "type": "object",
    "description": "Every API error: a one-sentence reason and, for invalid input, the messages per field.",
    "properties": {
        "detail": {"type": "string", "minLength": 1},
        # Messages per field: a list of strings, or nested per item/field for nested input.
        "errors": {
            "type": "object",
            "additionalProperties": {
                "anyOf": [
                    {"type": "array", "items": {}},
                    {"type": "object", "additionalProperties": {}},
                ]
            },
        },
    },
    "required": ["detail", "errors"],
}
ERROR_RESPONSE = {
    "description": "The request was refused; `detail` says why.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Any unique string (a UUID) naming this call: a retry with the same key and body replays the first "
        "response instead of doing the work twice (kept 24 h per user); the same key with another body is a "
        "422; while the first call is still running, a retry waits or gets a 409."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[\x21-\x7e]+$"},
}
LOCAL_TIME = {
    "type": "string",
    "format": "partial-time",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
}


def _empty_is_invalid(parameter: dict) -> bool:
    """Whether "" fails the parameter's schema (a plain string takes it anyway, and an array
    reads it as one empty item)."""
    schema = parameter.get("schema", {})
    if schema.get("type") == "array":
        return False
    return schema.get("type") != "string" or any(key in schema for key in ("enum", "format", "pattern", "minLength"))


def openapi_conventions(result, generator, request, public):
    """drf-spectacular post-processing hook documenting what every endpoint shares:
    - the error format (see `exception_handler`) is the 4XX answer of every operation;
    - every state-changing operation takes an `Idempotency-Key` header (project/idempotency.py);
    - an optional query parameter given empty (`?start=`) counts as not given (allowEmptyValue);
    - TimeFields are local times of day ("08:00:00" in the team's or site's zone), not OpenAPI's
      `format: time` (RFC 3339 full-time, with an offset): partial-time, with their pattern;
    - a decimal is written as a string ("12.50") but read from a string or a JSON number."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            operation["responses"].setdefault("4XX", ERROR_RESPONSE)
            if method in ("post", "put", "patch", "delete"):
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY_PARAMETER)
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and not parameter.get("required") and _empty_is_invalid(parameter):
                    parameter["allowEmptyValue"] = True
    for name, component in schemas.items():
        if name.endswith("Request"):  # COMPONENT_SPLIT_REQUEST: the request bodies
            properties = component.get("properties", {})
            for field, prop in properties.items():
                if prop.get("format") == "decimal":
                    shared = {key: prop.pop(key) for key in ("nullable", "description") if key in prop}
                    properties[field] = {"oneOf": [{"type": "number"}, prop], **shared}

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "string" and node.get("format") == "time":
                node.update(LOCAL_TIME)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result
