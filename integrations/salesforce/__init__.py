"""Salesforce integration: `get_client()` returns the live client (simple-salesforce) or the fake."""

from __future__ import annotations

from django.conf import settings

from integrations.base import credential, integration_config, is_live, timeout

from .interface import QueryPage, SalesforceClient, SalesforceRecord  # noqa: F401 - re-exported as the package interface

SYSTEM = "salesforce"


def get_client() -> SalesforceClient:
    if not is_live(SYSTEM):
        from .fake import FakeSalesforceClient  # lazy, like the live client

        return FakeSalesforceClient()
    from .live import LiveSalesforceClient  # lazy: simple-salesforce loads only in live mode

    config = integration_config(SYSTEM)
    instance_url = credential(system=SYSTEM, key="instance_url") or config.get("base_url", "")
    return LiveSalesforceClient(
        instance_url=instance_url,
        access_token=credential(system=SYSTEM, key="access_token"),
        username=credential(system=SYSTEM, key="username"),
        password=credential(system=SYSTEM, key="password"),
        security_token=credential(system=SYSTEM, key="security_token"),
        domain=config.get("domain", "login"),
        timeout=timeout(),
        attempts=getattr(settings, "SALESFORCE_RETRY_ATTEMPTS", 4),
    )
