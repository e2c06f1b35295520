"""Twilio's callbacks into on-call, under the public path /integrations/twilio/ that Twilio is
configured with (the route belongs to on-call; the path stays where providers expect it)."""

from django.urls import path

from .webhooks import twilio_status

app_name = "oncall_webhooks"
urlpatterns = [
    path("status/", twilio_status, name="twilio-status"),
]
