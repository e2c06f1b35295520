"""Expense pages, one module per subject (`expenses`, `restaurants`, `catalogue`, `account`,
`imports`, `analytics`); `expenses/urls.py` names each view by its module."""
