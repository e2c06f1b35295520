"""Writes for the expenses app, one module per subject; `from expenses.services import X` and
`services.X` keep working. Every service takes the acting `user` and refuses objects that belong
to someone else with a ValidationError naming the field (an API 400).

- `ownership`: the shared rules (owned objects only, unique names, used rows not deleted);
- `preferences`: timezone and bank match window;
- `categories`: categories and tags;
- `restaurants`, `merchants`: restaurants and the brands they link to;
- `expenses`: expense create/update/delete/restore;
- `imports`: the expense file import (review build, draft, set-based apply);
- `restaurant_imports`: the restaurant file import;
- `bulk`: set-based inserts and history rows shared by the imports and the restore.
"""

from .bulk import EXPENSE_CLEAN_EXCLUDE, history_rows, insert_rows, names_resolve
from .categories import (
    DEFAULT_CATEGORIES,
    category_create,
    category_defaults_ensure,
    category_delete,
    category_update,
    tag_create,
    tag_delete,
    tag_update,
    tags_resolve,
)
from .expenses import EXPENSE_FIELDS, expense_create, expense_delete, expense_restore, expense_update
from .imports import (
    EXPENSE_ACTIONS,
    IMPORT_DRAFT_TTL,
    import_draft_apply,
    import_draft_create,
    import_drafts_purge_expired,
    import_review_build,
)
from .merchants import (
    MERCHANT_FIELDS,
    merchant_create,
    merchant_delete,
    merchant_for_restaurant,
    merchant_link_restaurants,
    merchant_update,
)
from .preferences import expense_profile_set_bank_match_days, expense_profile_set_timezone
from .restaurant_imports import restaurant_import_apply, restaurant_import_draft_create
from .restaurants import RESTAURANT_FIELDS, restaurant_create, restaurant_delete, restaurant_update

__all__ = [
    "DEFAULT_CATEGORIES",
    "EXPENSE_ACTIONS",
    "EXPENSE_CLEAN_EXCLUDE",
    "EXPENSE_FIELDS",
    "IMPORT_DRAFT_TTL",
    "MERCHANT_FIELDS",
    "RESTAURANT_FIELDS",
    "category_create",
    "category_defaults_ensure",
    "category_delete",
    "category_update",
    "expense_create",
    "expense_delete",
    "expense_profile_set_bank_match_days",
    "expense_profile_set_timezone",
    "expense_restore",
    "expense_update",
    "history_rows",
    "import_draft_apply",
    "import_draft_create",
    "import_drafts_purge_expired",
    "import_review_build",
    "insert_rows",
    "merchant_create",
    "merchant_delete",
    "merchant_for_restaurant",
    "merchant_link_restaurants",
    "merchant_update",
    "names_resolve",
    "restaurant_create",
    "restaurant_delete",
    "restaurant_import_apply",
    "restaurant_import_draft_create",
    "restaurant_update",
    "tag_create",
    "tag_delete",
    "tag_update",
    "tags_resolve",
]
