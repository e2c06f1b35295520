"""District partners: per-district API keys, the public events API and the public sign-up page.

A Django app of its own (label `partners`) inside volunteers: it reads the volunteers models
and services, and volunteers never imports it."""
