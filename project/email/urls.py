from django.urls import path

from . import views

app_name = "email"
urlpatterns = [
    path("outbox/", views.outbox_list, name="outbox"),
    path("templates/preview/", views.template_preview, name="template_preview"),
    path("webhooks/delivery/", views.delivery_webhook, name="delivery_webhook"),
]
