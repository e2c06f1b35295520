"""Discover every URL of the site (pages, admin, API) and turn each pattern into a concrete URL
built from existing objects, so the permission matrix and the security checks cover every app
as soon as it is merged, without a hand-kept list.

A pattern's model comes from the view (DRF `queryset.model`), the admin URL name
(`admin:<app>_<model>_<action>`) or the URL name (`oncall:team-feed` -> oncall.Team). Its kwargs
come from one object of that model: `pk`/`id`/`object_id` -> the primary key, any other kwarg K
-> the field named K or ending in `_K`. Objects owned by the demo "staff" user are preferred,
so a second Staff user can check ownership."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib import admin
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

# Patterns that are not pages: framework plumbing, or shortcuts that only redirect elsewhere.
SKIPPED_NAMES = {
    "admin:view_on_site",      # redirects to the object's own page
    "admin:autocomplete",      # needs app_label/model_name/field_name query parameters
    "admin:jsi18n",            # a static JavaScript catalogue
    "api:api-root",            # DRF router roots (lists of links)
}
OWNER_FIELDS = ("owner", "user", "created_by")
PK_KWARGS = ("pk", "id", "object_id")


@dataclass
class Endpoint:
    name: str
    route: str           # URL with kwargs replaced by <name>, as written in docs/permissions.md
    url: str             # concrete URL
    kind: str            # page | admin | api
    model: type | None = None
    obj: object | None = None
    get_allowed: bool = True
    write_methods: list[str] = field(default_factory=list)
    view_class: type | None = None
    admin_app: str | None = None  # set for the admin's per-app index pages


@dataclass
class Unresolved:
    name: str
    route: str
    reason: str


class admin_site:  # noqa: N801 - a tiny namespace
    @staticmethod
    def get_registry_models():
        return list(admin.site._registry)


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(p.url_patterns, prefix + str(p.pattern), full_ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield name, prefix + str(p.pattern), p


def _kwarg_names(pattern: URLPattern, raw_route: str) -> list[str]:
    names = list(pattern.pattern.converters) if hasattr(pattern.pattern, "converters") else []
    names += re.findall(r"\(\?P<(\w+)>", raw_route) + re.findall(r"<(?:\w+:)?(\w+)>", raw_route)
    return list(dict.fromkeys(names))


def _drf_view_class(callback):
    return getattr(callback, "cls", None)


def _model_for(name: str, callback) -> type | None:
    cls = _drf_view_class(callback)
    queryset = getattr(cls, "queryset", None) if cls else None
    if queryset is not None:
        return queryset.model
    model_admin = getattr(callback, "model_admin", None)
    if model_admin is not None:
        return model_admin.model
    namespace, _, short = name.rpartition(":")
    if namespace.startswith("admin"):
        for model in apps.get_models():
            if short.startswith(f"{model._meta.app_label}_{model._meta.model_name}_"):
                return model
        return None
    tokens = set(re.split(r"[-_]", short.lower()))
    app_label = namespace.split(":")[-1].removesuffix("-api") if namespace else None
    candidates = [m for m in apps.get_models() if m._meta.model_name in tokens]
    preferred = [m for m in candidates if m._meta.app_label == app_label]
    chosen = preferred or candidates
    return chosen[0] if chosen else None


def _pick_object(model, owner):
    manager = model._default_manager
    for field_name in OWNER_FIELDS:
        try:
            f = model._meta.get_field(field_name)
        except Exception:
            continue
        if f.is_relation and f.related_model == get_user_model() and owner is not None:
            obj = manager.filter(**{field_name: owner}).order_by("pk").first()
            if obj is not None:
                return obj
    return manager.order_by("pk").first()


def _kwarg_value(model, obj, kwarg: str):
    if kwarg in PK_KWARGS:
        return obj.pk
    for f in model._meta.concrete_fields:
        if f.name == kwarg or f.name.endswith("_" + kwarg):
            return getattr(obj, f.attname)
    raise LookupError(f"no field for kwarg {kwarg!r} on {model._meta.label}")


def _kind(url: str) -> str:
    if url.startswith("/api/"):
        return "api"
    if url.startswith("/admin/"):
        return "admin"
    return "page"


def _methods(callback) -> tuple[bool, list[str]]:
    actions = getattr(callback, "actions", None)
    if actions:  # DRF viewset route: method -> action
        methods = set(actions)
    elif _drf_view_class(callback) is not None:
        cls = _drf_view_class(callback)
        methods = {m for m in ("get", "post", "put", "patch", "delete") if hasattr(cls, m)}
    else:
        return True, []
    return "get" in methods, sorted(m for m in methods if m in ("post", "put", "patch", "delete"))


def _route(url: str, kwargs: dict) -> str:
    route = url
    for key, value in kwargs.items():
        route = re.sub(rf"(?<=[/]){re.escape(str(value))}(?=[/.]|$)", f"<{key}>", route, count=1)
    return route


def discover(*, owner=None) -> tuple[list[Endpoint], list[Unresolved]]:
    endpoints, unresolved, seen = [], [], set()
    for name, raw_route, pattern in _walk(get_resolver().url_patterns, "/"):
        if not name or name in SKIPPED_NAMES or name.endswith(":api-root"):
            continue
        kwargs_needed = _kwarg_names(pattern, raw_route)
        if "format" in kwargs_needed or re.search(r"\(\?P<url>", raw_route):
            continue  # DRF format-suffix twins and the admin's catch-all
        if name.endswith("_simple_history"):
            continue  # one historical record of an object: the history page above links to it
        if kwargs_needed == ["app_label"]:  # the admin's per-app index
            for label in sorted({m._meta.app_label for m in admin_site.get_registry_models()}):
                url = reverse(name, kwargs={"app_label": label})
                endpoints.append(Endpoint(name=name, route=url, url=url, kind="admin", admin_app=label))
            continue
        model = _model_for(name, pattern.callback)
        kwargs, obj = {}, None
        if kwargs_needed:
            if model is None:
                unresolved.append(Unresolved(name, raw_route, "no model found for its kwargs"))
                continue
            obj = _pick_object(model, owner)
            if obj is None:
                unresolved.append(Unresolved(name, raw_route, f"no {model._meta.label} object to build it from"))
                continue
            try:
                kwargs = {k: _kwarg_value(model, obj, k) for k in kwargs_needed}
            except LookupError as exc:
                unresolved.append(Unresolved(name, raw_route, str(exc)))
                continue
        try:
            url = reverse(name, kwargs=kwargs or None)
        except NoReverseMatch as exc:
            unresolved.append(Unresolved(name, raw_route, f"cannot reverse: {exc}"))
            continue
        if url in seen:
            continue
        seen.add(url)
        get_allowed, writes = _methods(pattern.callback)
        endpoints.append(Endpoint(name=name, route=_route(url, kwargs), url=url, kind=_kind(url), model=model,
                                  obj=obj, get_allowed=get_allowed, write_methods=writes,
                                  view_class=_drf_view_class(pattern.callback)))
    return endpoints, unresolved
