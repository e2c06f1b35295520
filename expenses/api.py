"""REST API under /api/v1/expenses/. Any authenticated user, on their own data only: every
queryset comes from an owner-scoped selector and every foreign key in a payload is looked up
among the caller's own rows (someone else's id is a 400 naming the field)."""

from __future__ import annotations

from datetime import date

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.base import IntegrationError
from project.api import ServiceUnavailable, StrictModelSerializer, StrictSerializer

from . import selectors, services
from .exporting import expense_export_rows, rows_to_csv, rows_to_json
from .filters import expense_filters_from_params
from .importing import MAX_BYTES, UPDATE_FIELDS
from .models import Category, Expense, ImportDraft, Restaurant, Tag
from .places import place_details, search_places


class OwnedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A foreign key that only resolves among the requesting user's own rows."""

    default_error_messages = {"does_not_exist": "Not found: {pk_value} is not one of your records."}

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.queryset.none()
        return self.queryset.filter(user=user)


# --------------------------------------------------------------------------- categories & tags
class CategorySerializer(StrictModelSerializer):
    expense_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "name", "description", "color", "is_default", "expense_count", "created_at"]
        read_only_fields = ["id", "is_default", "expense_count", "created_at"]


class CategoryViewSet(viewsets.ModelViewSet):
    queryset = Category.objects.none()
    serializer_class = CategorySerializer
    filterset_fields = ["is_default"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        services.category_defaults_ensure(user=self.request.user)
        return selectors.category_list_for_user(self.request.user)

    def perform_create(self, serializer):
        category = services.category_create(user=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=category.pk)  # with its expense_count

    def perform_update(self, serializer):
        data = {
            "name": serializer.instance.name,
            "color": serializer.instance.color,
            "description": serializer.instance.description,
            **serializer.validated_data,
        }
        serializer.instance = services.category_update(category=serializer.instance, **data)

    def perform_destroy(self, instance):
        services.category_delete(category=instance)


class TagSerializer(StrictModelSerializer):
    expense_count = serializers.IntegerField(read_only=True)
    total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    last_visit = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Tag
        fields = ["id", "name", "color", "expense_count", "total", "last_visit"]
        read_only_fields = ["id"]


class TagViewSet(viewsets.ModelViewSet):
    queryset = Tag.objects.none()
    serializer_class = TagSerializer
    ordering_fields = ["name"]

    def get_queryset(self):
        return selectors.tag_list_for_user(self.request.user)

    def perform_create(self, serializer):
        tag = services.tag_create(user=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=tag.pk)  # with its counts

    def perform_update(self, serializer):
        data = {"name": serializer.instance.name, "color": serializer.instance.color, **serializer.validated_data}
        serializer.instance = services.tag_update(tag=serializer.instance, **data)

    def perform_destroy(self, instance):
        services.tag_delete(tag=instance)


# --------------------------------------------------------------------------- restaurants
class RestaurantSerializer(StrictModelSerializer):
    display_name = serializers.CharField(read_only=True)
    visit_count = serializers.IntegerField(read_only=True)
    total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    average_per_person = serializers.SerializerMethodField()
    last_visit = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Restaurant
        fields = [
            "id",
            "display_name",
            *services.RESTAURANT_FIELDS,
            "visit_count",
            "total",
            "average_per_person",
            "last_visit",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        validators = []  # uniqueness is checked case-insensitively by the service

    def get_average_per_person(self, obj) -> str | None:
        value = selectors.ratio(getattr(obj, "total", None), getattr(obj, "diners", None))
        return str(value) if value is not None else None


class RestaurantViewSet(viewsets.ModelViewSet):
    queryset = Restaurant.objects.none()
    serializer_class = RestaurantSerializer
    filterset_fields = ["city", "cuisine", "service_level"]
    ordering_fields = ["name", "city", "visit_count", "total", "last_visit"]

    def get_queryset(self):
        return selectors.restaurant_list_for_user(self.request.user, search=self.request.query_params.get("q", ""))

    def perform_create(self, serializer):
        restaurant = services.restaurant_create(user=self.request.user, **serializer.validated_data)
        serializer.instance = selectors.restaurant_list_for_user(self.request.user).get(pk=restaurant.pk)

    def perform_update(self, serializer):
        services.restaurant_update(restaurant=serializer.instance, **serializer.validated_data)
        serializer.instance = selectors.restaurant_list_for_user(self.request.user).get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        services.restaurant_delete(restaurant=instance)

    @extend_schema(
        responses={
            200: inline_serializer(
                "DefaultCategory",
                {"id": serializers.IntegerField(allow_null=True), "name": serializers.CharField(allow_null=True)},
            )
        }
    )
    @action(detail=True, methods=["get"], url_path="default-category")
    def default_category(self, request, pk=None):
        restaurant = self.get_object()
        category = selectors.restaurant_default_category(user=request.user, restaurant_id=restaurant.pk)
        if category is None:
            return Response({"id": None, "name": None})
        return Response({"id": category.pk, "name": category.name})


# --------------------------------------------------------------------------- expenses
class TagNamesField(serializers.ListField):
    """Tag names in the expense's own order (read from the prefetched ordered links)."""

    child = serializers.CharField(max_length=50)

    def get_attribute(self, instance):
        return [link.tag.name for link in instance.tag_links.all()]


class ExpenseSerializer(StrictModelSerializer):
    restaurant = OwnedPrimaryKeyField(queryset=Restaurant.objects.all())
    category = OwnedPrimaryKeyField(queryset=Category.objects.all(), allow_null=True, required=False)
    tags = TagNamesField(required=False, help_text="Tag names in order; new names create tags.")
    restaurant_name = serializers.CharField(source="restaurant.display_name", read_only=True)
    # No default: in a PATCH response DRF would leave a field with a default out when there is no category.
    category_name = serializers.CharField(source="category.name", read_only=True, allow_null=True)
    signed_amount = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    receipt_url = serializers.SerializerMethodField()

    class Meta:
        model = Expense
        fields = [
            "id",
            "kind",
            "amount",
            "signed_amount",
            "date",
            "time",
            "cleared_date",
            "meal_type",
            "order_type",
            "party_size",
            "restaurant",
            "restaurant_name",
            "category",
            "category_name",
            "tags",
            "notes",
            "receipt_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_receipt_url(self, obj) -> str | None:
        return reverse("expenses:expense_receipt", args=[obj.pk]) if obj.receipt else None


FILTER_PARAMS = [
    *(
        OpenApiParameter(name, str, required=False)
        for name in ("q", "category", "restaurant", "meal_type", "order_type", "kind", "start", "end", "sort", "order")
    ),
    OpenApiParameter(
        "tags",
        {"type": "array", "items": {"type": "string"}},
        required=False,
        description="Tag names; repeat the parameter or separate names with commas.",
    ),
]


class ExpenseViewSet(viewsets.ModelViewSet):
    queryset = Expense.objects.none()
    serializer_class = ExpenseSerializer
    filter_backends: list = []  # filtering is ExpenseFilters (same as the list page)
    repeatable_query_parameters = ("tags",)

    @extend_schema(parameters=FILTER_PARAMS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        qs = selectors.expense_list_for_user(self.request.user)
        if self.action == "list":
            filters, errors = expense_filters_from_params(self.request.query_params)
            if errors:
                raise serializers.ValidationError(errors)
            qs = selectors.expense_filter(qs, filters)
        return qs

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        tags = data.pop("tags", [])
        expense = services.expense_create(user=self.request.user, tags=tags, **data)
        serializer.instance = selectors.expense_get_for_user(self.request.user, expense.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        tags = data.pop("tags", None)
        services.expense_update(expense=serializer.instance, user=self.request.user, tags=tags, **data)
        serializer.instance = selectors.expense_get_for_user(self.request.user, serializer.instance.pk)

    def perform_destroy(self, instance):
        services.expense_delete(expense=instance)


# --------------------------------------------------------------------------- imports
class ImportDraftSerializer(serializers.ModelSerializer):
    # Plain string in the schema: a second "status" enum would collide with the jobs API's.
    status = serializers.CharField(read_only=True, help_text="draft or applied")

    class Meta:
        model = ImportDraft
        fields = [
            "id",
            "filename",
            "status",
            "row_count",
            "missing_categories",
            "result",
            "created_at",
            "applied_at",
            "expires_at",
        ]
        read_only_fields = fields


class ImportDraftDetailSerializer(ImportDraftSerializer):
    class Meta(ImportDraftSerializer.Meta):
        fields = [*ImportDraftSerializer.Meta.fields, "rows"]
        read_only_fields = fields


class ImportUploadSerializer(StrictSerializer):
    file = serializers.FileField()

    def validate_file(self, upload):
        if upload.size > MAX_BYTES:
            raise serializers.ValidationError("The file is larger than 5 MB.")
        return upload


class ImportDecisionSerializer(StrictSerializer):
    line = serializers.IntegerField(min_value=1)
    restaurant_action = serializers.ChoiceField(choices=["match", "create"], required=False)
    restaurant_id = serializers.IntegerField(required=False, allow_null=True)
    expense_action = serializers.ChoiceField(
        choices=["create", "update", "skip", "clear"],
        required=False,
        help_text="clear: the row is the bank charge of duplicate_id; set that expense's cleared date.",
    )
    duplicate_id = serializers.IntegerField(required=False, allow_null=True)
    fields = serializers.ListField(
        child=serializers.ChoiceField(choices=list(UPDATE_FIELDS)),
        required=False,
        help_text="For update: the fields to take from the file (default: the row's differing non-blank values).",
    )


class ImportApplySerializer(StrictSerializer):
    decisions = ImportDecisionSerializer(many=True, required=False)
    create_missing_categories = serializers.BooleanField(required=False, default=False)


class ExpenseImportResultRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The data-row number in the file.")
    action = serializers.CharField(help_text="imported, updated or skipped")
    expense_id = serializers.IntegerField(allow_null=True, help_text="The expense written (or skipped as a duplicate).")


class ImportResultSerializer(serializers.Serializer):
    imported = serializers.IntegerField()
    updated = serializers.IntegerField()
    skipped = serializers.IntegerField()
    restaurants_created = serializers.IntegerField()
    already_applied = serializers.BooleanField()
    rows = ExpenseImportResultRowSerializer(many=True)


class ImportViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = ImportDraft.objects.none()
    serializer_class = ImportDraftSerializer
    parser_classes = [MultiPartParser]  # the upload; apply takes JSON
    filter_backends: list = []

    def get_queryset(self):
        # Restaurant imports are reviewed on their page; the API serves expense imports.
        if self.action == "list":
            return selectors.import_draft_list_for_user(self.request.user).filter(kind=ImportDraft.Kind.EXPENSES)
        return ImportDraft.objects.filter(user=self.request.user, kind=ImportDraft.Kind.EXPENSES)

    def get_serializer_class(self):
        return ImportDraftDetailSerializer if self.action == "retrieve" else ImportDraftSerializer

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer}, responses={201: ImportDraftDetailSerializer}
    )
    def create(self, request, *args, **kwargs):
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        draft = services.import_draft_create(user=request.user, filename=file.name, data=file.read())
        return Response(ImportDraftDetailSerializer(draft).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ImportApplySerializer, responses={200: ImportResultSerializer})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])  # decisions are nested: JSON only
    def apply(self, request, pk=None):
        draft = self.get_object()
        params = ImportApplySerializer(data=request.data)
        params.is_valid(raise_exception=True)
        decisions = {
            d["line"]: {k: v for k, v in d.items() if k != "line"} for d in params.validated_data.get("decisions", [])
        }
        result = services.import_draft_apply(
            user=request.user,
            draft=draft,
            decisions=decisions,
            create_missing_categories=params.validated_data["create_missing_categories"],
        )
        return Response(result)


# --------------------------------------------------------------------------- export, analytics, places
class FirstRendererNegotiation(DefaultContentNegotiation):
    """`?format=csv|json` is our own parameter here, not DRF's renderer override."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


EXPORT_PARAMS = [OpenApiParameter("format", str, enum=["csv", "json"], required=False), *FILTER_PARAMS]


def export_response(user, params, fmt: str) -> HttpResponse:
    filters, errors = expense_filters_from_params(params)
    if errors:
        raise serializers.ValidationError(errors)
    if "order" not in params:
        filters.order = "asc"  # oldest first, so a re-import recreates rows in the same order
    if fmt not in ("csv", "json"):
        raise serializers.ValidationError({"format": "Choose csv or json."})
    qs = selectors.expense_filter(selectors.expense_list_for_user(user), filters)
    rows = expense_export_rows(qs)
    stamp = date.today().isoformat()
    if fmt == "csv":
        response = HttpResponse(rows_to_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(rows_to_json(rows), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="expenses-{stamp}.{fmt}"'
    return response


class ExpenseExportRowSerializer(serializers.Serializer):
    """One exported expense (the JSON export; the CSV has the same columns, tags `;`-joined)."""

    date = serializers.DateField()
    time = serializers.CharField(help_text="HH:MM:SS, or blank")
    cleared_date = serializers.CharField(help_text="YYYY-MM-DD, or blank")
    amount = serializers.DecimalField(max_digits=9, decimal_places=2, help_text="Always positive; see kind.")
    kind = serializers.CharField(help_text="expense or refund")
    restaurant = serializers.CharField()
    location_name = serializers.CharField()
    address = serializers.CharField()
    city = serializers.CharField()
    state = serializers.CharField()
    postal_code = serializers.CharField()
    category = serializers.CharField()
    meal_type = serializers.CharField()
    order_type = serializers.CharField()
    party_size = serializers.IntegerField()
    tags = serializers.ListField(child=serializers.CharField())
    notes = serializers.CharField()


class ExportView(APIView):
    content_negotiation_class = FirstRendererNegotiation
    repeatable_query_parameters = ("tags",)

    @extend_schema(
        parameters=EXPORT_PARAMS,
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/json"): ExpenseExportRowSerializer(many=True),
        },
    )
    def get(self, request):
        return export_response(request.user, request.query_params, request.query_params.get("format") or "csv")


class AnalyticsParams(StrictSerializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end"):
            if attrs["start"] > attrs["end"]:
                raise serializers.ValidationError({"end": "The end date is before the start date."})
            if (attrs["end"] - attrs["start"]).days > 3660:
                raise serializers.ValidationError({"start": "The range may span at most ten years."})
        return attrs


def analytics_range(user, data) -> tuple[date, date]:
    today = selectors.user_today(user)
    end = data.get("end") or today
    start = data.get("start") or end.replace(month=1, day=1)
    return start, end


def plain_json(result: dict) -> dict:
    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, date):
            return value.isoformat()
        if value is None or isinstance(value, bool | int | str):
            return value
        return str(value)

    return plain(result)


def _money(**kwargs) -> serializers.DecimalField:
    """A sum of money as the API writes it: a decimal string to the cent ("-12.50" for a net refund)."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class ExpenseAnalyticsSplitSerializer(serializers.Serializer):
    total = _money(help_text="Net: expenses − refunds.")
    count = serializers.IntegerField(help_text="Expenses (refunds are not counted).")
    spent = _money(help_text="Expenses only (what the charts plot).")
    refunded = _money(help_text="Refunds only, positive.")


class ExpenseAnalyticsMonthSerializer(ExpenseAnalyticsSplitSerializer):
    month = serializers.CharField(help_text="YYYY-MM")


class ExpenseAnalyticsCategorySerializer(ExpenseAnalyticsSplitSerializer):
    category = serializers.CharField(help_text="The category's name, or “Uncategorized”.")


class ExpenseAnalyticsMealTypeSerializer(ExpenseAnalyticsSplitSerializer):
    meal_type = serializers.CharField(help_text="A meal type, or “unspecified”.")


class ExpenseAnalyticsRestaurantSerializer(serializers.Serializer):
    restaurant_id = serializers.IntegerField()
    restaurant = serializers.CharField()
    total = _money()
    spent = _money()
    count = serializers.IntegerField()
    average_per_person = _money(allow_null=True)


class ExpenseAnalyticsMerchantSerializer(serializers.Serializer):
    merchant_id = serializers.IntegerField(allow_null=True, help_text="null: restaurants without a merchant.")
    merchant = serializers.CharField()
    total = _money()
    count = serializers.IntegerField()


class ExpenseAnalyticsTopExpenseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    amount = _money()
    restaurant = serializers.CharField()
    category = serializers.CharField()


class ExpenseAnalyticsSerializer(serializers.Serializer):
    """The analytics of a date range (definitions in docs/expenses.md)."""

    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()
    count = serializers.IntegerField()
    refund_count = serializers.IntegerField()
    refunded = _money()
    total = _money()
    average_per_expense = _money(allow_null=True)
    average_per_person = _money(allow_null=True)
    average_per_day = _money(allow_null=True)
    by_month = ExpenseAnalyticsMonthSerializer(many=True)
    by_category = ExpenseAnalyticsCategorySerializer(many=True)
    by_restaurant = ExpenseAnalyticsRestaurantSerializer(many=True)
    by_meal_type = ExpenseAnalyticsMealTypeSerializer(many=True)
    by_merchant = ExpenseAnalyticsMerchantSerializer(many=True)
    top_expenses = ExpenseAnalyticsTopExpenseSerializer(many=True)


class AnalyticsView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("start", OpenApiTypes.DATE), OpenApiParameter("end", OpenApiTypes.DATE)],
        responses={200: ExpenseAnalyticsSerializer},
    )
    def get(self, request):
        params = AnalyticsParams(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        start, end = analytics_range(request.user, params.validated_data)
        if start > end:
            raise serializers.ValidationError({"start": "The start date is after the end date."})
        result = selectors.analytics_for_user_cached(request.user, start=start, end=end)
        return Response(ExpenseAnalyticsSerializer(result).data)


class PlaceSummarySerializer(serializers.Serializer):
    place_id = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField()
    rating = serializers.FloatField(allow_null=True)
    price_level = serializers.IntegerField(allow_null=True)


class PlacesSearchParams(StrictSerializer):
    q = serializers.CharField(max_length=200, min_length=2)
    near = serializers.CharField(max_length=100, required=False, default="")


class PlacesSearchView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True), OpenApiParameter("near", str)],
        responses={200: PlaceSummarySerializer(many=True)},
    )
    def get(self, request):
        params = PlacesSearchParams(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        try:
            results = search_places(params.validated_data["q"], near=params.validated_data["near"])
        except IntegrationError as exc:
            raise ServiceUnavailable(f"Place search is unavailable: {exc}") from exc
        return Response(PlaceSummarySerializer(results, many=True).data)


class PlacesDetailsView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("place_id", str, required=True)],
        responses={
            200: inline_serializer(
                "PlaceDetails",
                {
                    "place_id": serializers.CharField(),
                    "name": serializers.CharField(),
                    "address_line_1": serializers.CharField(),
                    "city": serializers.CharField(),
                    "state": serializers.CharField(),
                    "postal_code": serializers.CharField(),
                    "country": serializers.CharField(),
                    "phone": serializers.CharField(),
                    "website": serializers.CharField(),
                    "cuisine": serializers.CharField(),
                    "price_level": serializers.IntegerField(allow_null=True),
                    "latitude": serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True),
                    "longitude": serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True),
                },
            )
        },
    )
    def get(self, request):
        place_id = (request.query_params.get("place_id") or "").strip()
        if not place_id:
            raise serializers.ValidationError({"place_id": "This parameter is required."})
        try:
            details = place_details(place_id)
        except IntegrationError as exc:
            if getattr(exc, "code", None) == 404:
                raise serializers.ValidationError({"place_id": "Unknown place."}) from exc
            raise ServiceUnavailable(f"Place details are unavailable: {exc}") from exc
        return Response(plain_json(details.__dict__))
