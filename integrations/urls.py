"""Inbound webhooks from external systems (e.g. Twilio status callbacks) live here."""

app_name = "integrations"
urlpatterns: list = []
