"""Inbound webhooks from external systems (e.g. Twilio status callbacks) live here."""

from django.urls import path

from oncall.webhooks import twilio_status

app_name = "integrations"
urlpatterns: list = [
    path("twilio/status/", twilio_status, name="twilio-status"),
]
