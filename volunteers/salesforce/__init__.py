"""Salesforce sync of the volunteers app.

- `mapping`: what each Salesforce object maps to (field rules, normalisation), pure Python;
- `sync`: the sync itself (runs, locks, watermarks, upserts, pending participations);
- `api` + `api_urls`: the sync API under /api/v1/integrations/salesforce/;
- `pages`: the sync status page; `tasks`: the Celery tasks.
"""
