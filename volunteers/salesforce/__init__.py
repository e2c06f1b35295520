"""Salesforce sync of the volunteers app.

- `mapping`: one declarative table per Salesforce object (field → model field → normaliser), which is
  also the SOQL field list and the synced-fields rule; `normalise`: the normalisers; pure Python;
- `upsert`: set-based writes (COPY + one upsert per table on PostgreSQL, VALUES on SQLite);
- `sync`: the sync itself (runs, locks, watermarks, upserts, pending participations);
- `api` + `api_urls`: the sync API under /api/v1/integrations/salesforce/;
- `pages`: the sync status page; `tasks`: the Celery tasks.
"""
