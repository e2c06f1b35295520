"""The virtual-session teacher programme.

- `pathful`: reading a Pathful session report (plain Python);
- `matching`: the one person-matching rule (Salesforce id → e-mail → normalised name);
- `importing`: the Pathful import job and its unmatched queue;
- `progress`: the session classification and progress status rules, progress rows;
- `services`: overrides, unmatched resolution, magic links, teachers' issues, attendance detail;
- `pages`, `api`: staff and public pages, the API under /api/v1/volunteers/.
"""
