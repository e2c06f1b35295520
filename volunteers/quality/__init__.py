"""Data quality of the volunteers app.

- `checks`: the checks, weights and scoring, pure Python;
- `services`: a scoring run over the database, flags and their closing;
- `api`: runs and flags under /api/v1/volunteers/quality/; `pages`: dashboard, drill-down, flags;
- `tasks`: the Celery tasks.
"""
