"""Authentication: API tokens (`Authorization: Bearer <token>`, stored as SHA-256 hashes) and the
signed-in user's permissions, read in the same query as the user (session) or the token (API)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth import backends, get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import CharField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Concat
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


class _JoinedCodes(Subquery):
    """The rows of a one-column ("code") subquery joined with commas, as one value (NULL without rows)."""

    output_field = CharField()

    def as_sql(self, compiler, connection, template=None, **extra_context):
        join = "string_agg" if connection.vendor == "postgresql" else "group_concat"
        template = f"(SELECT {join}(code, ',') FROM (%(subquery)s) codes)"  # noqa: S608 - a function name # nosec B608
        return super().as_sql(compiler, connection, template=template, **extra_context)


def permission_codes(user_ref: str) -> _JoinedCodes:
    """Every permission of the user `user_ref` points at (their own and their groups'), as the
    comma-joined "app_label.codename" ModelBackend checks: an annotation, so the permissions come
    with the query that reads the user."""
    user = OuterRef(OuterRef(user_ref))
    own = get_user_model().user_permissions.through.objects.filter(user_id=user).values("permission_id")
    grouped = Group.permissions.through.objects.filter(group__user=user).values("permission_id")
    codes = (
        Permission.objects.filter(Q(pk__in=own) | Q(pk__in=grouped))
        .annotate(code=Concat("content_type__app_label", Value("."), "codename", output_field=CharField()))
        .order_by()
        .values("code")
    )
    return _JoinedCodes(codes)


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
            get_user_model()
            ._default_manager.annotate(permission_codes=permission_codes("pk"))
            .filter(pk=user_id)
            .first()
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
            .annotate(permission_codes=permission_codes("user_id"))
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
