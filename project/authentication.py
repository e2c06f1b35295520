"""Authentication: API tokens (`Authorization: Bearer <token>`, stored as SHA-256 hashes) and the
signed-in user's permissions, read in the same query as the user (session) or the token (API)."""

from __future__ import annotations

import functools
import secrets
from datetime import timedelta

from django.contrib.auth import backends, get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import CharField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import ApiToken, hash_token

TOKEN_PREFIX = "cb_"  # noqa: S105 - a public prefix, not a secret
LAST_USED_RESOLUTION = timedelta(minutes=5)


def api_token_create(*, user, name: str, expires_at=None) -> tuple[ApiToken, str]:
    """Create a token and return it with its clear value, which is never stored or shown again."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[: len(TOKEN_PREFIX) + 6], token_hash=hash_token(raw), expires_at=expires_at
    )
    return token, raw


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


@functools.cache
def _permission_codes_sql(vendor: str) -> str:
    """The correlated subquery behind `permission_codes`, written once per database vendor (built by
    the ORM on every request, its expressions cost more than the query)."""
    user_model = get_user_model()
    q = connection.ops.quote_name
    table = q(user_model._meta.db_table)
    user, superuser = f"{table}.{q(user_model._meta.pk.column)}", f"{table}.{q('is_superuser')}"
    own = q(user_model.user_permissions.through._meta.db_table)
    membership = q(user_model.groups.through._meta.db_table)
    granted = q(Group.permissions.through._meta.db_table)
    permission, content_type = q(Permission._meta.db_table), q(ContentType._meta.db_table)
    join = "string_agg" if vendor == "postgresql" else "group_concat"
    # A superuser needs no list (has_perm answers True first); the rest: one scan of the user's own
    # and their groups' permission ids, one join to name them (half the planning of a UNION of joins).
    return (
        f"CASE WHEN {superuser} THEN NULL ELSE ("  # noqa: S608 - table names from model metadata # nosec B608
        f"SELECT {join}(ct.app_label || '.' || p.codename, ',') FROM {permission} p"
        f" JOIN {content_type} ct ON ct.id = p.content_type_id WHERE p.id IN ("
        f"SELECT up.permission_id FROM {own} up WHERE up.user_id = {user}"
        f" UNION ALL SELECT gp.permission_id FROM {membership} ug JOIN {granted} gp ON gp.group_id = ug.group_id"
        f" WHERE ug.user_id = {user})) END"
    )


def permission_codes() -> RawSQL:
    """Every permission of the user row in the query (their own and their groups'), as the
    comma-joined "app_label.codename" ModelBackend checks: an annotation, so the permissions come
    with the query that reads the user (`User.objects` or a `select_related("user")`, where the
    user's table keeps its name)."""
    sql = _permission_codes_sql(connection.vendor)
    return RawSQL(sql, (), output_field=CharField())  # noqa: S611 - fixed SQL, no parameters # nosec B611


def permissions_attach(user, codes: str | None) -> None:
    """Store what `permission_codes` read where ModelBackend looks first (`_perm_cache`, the
    per-request set of "app_label.codename"). A superuser needs none: has_perm answers True before
    asking the backends."""
    if not user.is_superuser:
        user._perm_cache = set(codes.split(",")) if codes else set()


class ModelBackend(backends.ModelBackend):
    """Django's ModelBackend, reading a signed-in user's permissions with the user: one query per
    page where Django runs three (the user, their own permissions, their groups' permissions)."""

    def get_user(self, user_id):
        user = (
            get_user_model()._default_manager.annotate(permission_codes=permission_codes()).filter(pk=user_id).first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        permissions_attach(user, user.permission_codes)
        return user


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid Authorization header: expected 'Bearer <token>'.")
        try:
            raw = header[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        token = (
            ApiToken.objects.select_related("user")
            .annotate(permission_codes=permission_codes())
            .filter(token_hash=hash_token(raw))
            .first()
        )
        if token is None or not token.is_active or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        permissions_attach(token.user, token.permission_codes)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "project.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
