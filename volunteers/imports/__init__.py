"""Imports into the volunteers app.

- `volunteer_csv`: volunteers from a CSV (preview every row, then create);
- `roster`: the teacher roster from a Google Sheet or CSV, and report export to a sheet;
- `pages`: the roster import page.
"""
