"""Long lists render cheaply and exactly as before: the date formats written out in Python give
Django's own text, a row's link is the reversed URL, selects and inputs written out in Python
are byte for byte the markup of Django's widget templates, and a filter's options come from one
plain query."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.template import Context, Template
from django.template.defaultfilters import date as date_filter
from django.urls import reverse, set_script_prefix
from django.utils import timezone, translation

from project import tables
from project.form_renderer import CrewbaseFormRenderer, select_html
from project.tables import Column, Table, badges, link
from project.templatetags import crewbase_format
from volunteers.forms import DirectoryForm
from volunteers.models import Organization, Skill

DAYS = [date(2026, 12, 7) + timedelta(days=37 * i) for i in range(30)] + [date(999, 3, 4)]
MOMENTS = [datetime(2026, 1, 5, 7, 3) + timedelta(hours=53 * i, minutes=7 * i) for i in range(30)]


@pytest.mark.parametrize("name", sorted(crewbase_format.FORMATS))
def test_every_date_format_gives_djangos_text(name):
    fmt = crewbase_format.FORMATS[name]
    for value in MOMENTS + ([] if "H" in fmt else DAYS):
        assert crewbase_format._format(value, name) == date_filter(value, fmt), (name, value)


def test_dates_follow_the_active_language():
    with translation.override("de"):
        assert crewbase_format.as_day_long(date(2026, 12, 7)) == "Montag 7 Dezember 2026"
    assert crewbase_format.as_day_long(date(2026, 12, 7)) == "Monday 7 December 2026"


def test_a_day_shown_with_a_time_format_has_no_made_up_time():
    assert crewbase_format.as_datetime(date(2026, 12, 7)) == "Mon 7 Dec 2026"
    assert crewbase_format.as_time(date(2026, 12, 7)) == ""
    assert crewbase_format.as_time(time(23, 59)) == "23:59"


@pytest.mark.parametrize(
    ("name", "pk"), [("volunteers:event_detail", 7), ("scheduling:event_find", 123456), ("expenses:expense_detail", 1)]
)
def test_pk_url_is_the_reversed_url(name, pk):
    html = Template("{% pk_url name pk %}|{% pk_url name pk %}").render(Context({"name": name, "pk": pk}))
    assert html == f"{reverse(name, args=[pk])}|{reverse(name, args=[pk])}"


def test_pk_url_reverses_anything_but_an_integer():
    html = Template("{% pk_url 'volunteers:event_detail' pk %}").render(Context({"pk": "42"}))
    assert html == reverse("volunteers:event_detail", args=[42])


class Choices(forms.Form):
    plain = forms.ChoiceField(choices=[("", "Any"), ("x<y", "X & <Y>"), ("b", "B")], required=False)
    grouped = forms.ChoiceField(choices=[('Group "1"', [("1", "one"), ("2", "two")]), ("3", "three")])
    many = forms.MultipleChoiceField(
        choices=[(1, "one"), (2, "two"), (3, "three")],
        widget=forms.SelectMultiple(attrs={"data-x": 'a"b', "disabled": True, "hidden": False}),
    )
    numbers = forms.TypedChoiceField(choices=[(1, 1), (2, 2)], coerce=int)  # labels not text: templates
    q = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": 'Say "hi" & <go>'}))
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    count = forms.IntegerField(min_value=1)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    mail = forms.EmailField(required=False, widget=forms.EmailInput(attrs={"autofocus": True, "readonly": False}))


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"plain": "x<y", "grouped": "2", "many": ["1", "3"], "numbers": "2"},
        {"q": '<b>"quoted"</b>', "start": "2026-12-07", "count": "x", "secret": "p&w", "token": "t", "mail": "a@b.c"},
    ],
)
def test_widget_markup_is_the_widget_templates_markup(data):
    form = Choices(data)
    for name in form.fields:
        fast = form[name].as_widget()
        form.renderer = TemplatesSetting()
        slow = form[name].as_widget()
        form.renderer = CrewbaseFormRenderer()
        assert fast == slow, name
    assert "X &amp; &lt;Y&gt;" in form["plain"].as_widget()
    assert 'placeholder="Say &quot;hi&quot; &amp; &lt;go&gt;"' in form["q"].as_widget()


def test_select_with_labels_that_are_not_text_is_left_to_the_templates():
    widget = Choices()["numbers"].field.widget.get_context("numbers", None, {})["widget"]
    assert select_html(widget) is None
    assert select_html(Choices()["plain"].field.widget.get_context("plain", "b", {})["widget"]).count("<option") == 3


@pytest.mark.django_db
def test_a_filters_options_take_one_query(django_assert_num_queries):
    Organization.objects.create(name="Heartland & Co")
    Skill.objects.create(name="Robotics")
    form = DirectoryForm()
    with django_assert_num_queries(2):  # organizations, skills
        html = str(form["organization"]) + str(form["skill"])
    assert "Heartland &amp; Co</option>" in html and "Robotics</option>" in html
    bound = DirectoryForm({"organization": str(Organization.objects.get().pk)})
    assert bound.is_valid() and bound.cleaned_data["organization"].name == "Heartland & Co"
    assert f'<option value="{bound.cleaned_data["organization"].pk}" selected>' in str(bound["organization"])


def test_remembered_urls_follow_the_script_prefix():
    template = Template("{% cached_url 'volunteers:event_list' %} {% pk_url 'volunteers:event_detail' 3 %}")
    events, event = reverse("volunteers:event_list"), reverse("volunteers:event_detail", args=[3])
    assert template.render(Context()) == f"{events} {event}"
    set_script_prefix("/crew/")
    try:
        prefixed = template.render(Context())
    finally:
        set_script_prefix("/")
    assert prefixed == f"/crew{events} /crew{event}"
    assert template.render(Context()) == f"{events} {event}"


def test_table_escapes_text_and_keeps_safe_cells():
    table = Table(
        [Column("Name <1>"), Column("Count", numeric=True)],
        [[link("/a?x=1&y=2", "<b>Ann</b>"), 3], ["Tom & Jerry", None], [badges(["<i>", "b"]), 0]],
    )
    assert str(table) == (
        '<table class="table">\n'
        '  <thead><tr><th>Name &lt;1&gt;</th><th class="num">Count</th></tr></thead>\n'
        "  <tbody>\n"
        '    <tr><td><a href="/a?x=1&amp;y=2">&lt;b&gt;Ann&lt;/b&gt;</a></td><td class="num">3</td></tr>\n'
        '    <tr><td>Tom &amp; Jerry</td><td class="num"></td></tr>\n'
        '    <tr><td><span class="badge">&lt;i&gt;</span> <span class="badge">b</span> </td><td class="num">0</td></tr>\n'
        "  </tbody>\n"
        "</table>"
    )
    # In a template the table is markup, not text to escape.
    assert Template("{{ table }}").render(Context({"table": table})) == str(table)


def test_an_empty_table_shows_the_empty_state_over_every_column():
    html = str(Table([Column("A"), Column("B"), Column("C")], [], empty="No <match>."))
    assert '<tr><td colspan="3"><div class="empty-state"><p>No &lt;match&gt;.</p></div></td></tr>' in html
    empty_row = Template('{% include "components/empty_row.html" with colspan=3 message=message %}')
    assert empty_row.render(Context({"message": "No <match>."})).strip() in html  # the shared empty row's markup


def test_a_row_with_a_missing_cell_is_an_error():
    with pytest.raises(ValueError):
        str(Table([Column("A"), Column("B")], [["only one"]]))


def test_table_dates_are_in_the_current_time_zone():
    moment = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
    with timezone.override("America/Chicago"):
        assert (tables.day(moment), tables.day_and_time(moment)) == ("Mon 7 Dec 2026", "Mon 7 Dec 2026, 17:30")
    assert (tables.day(None), tables.day(date(2026, 12, 8))) == ("", "Tue 8 Dec 2026")


class _TemplatesOnly(CrewbaseFormRenderer):
    """The same layout rendered by its templates alone: the definition the Python writers follow."""

    def render(self, template_name, context, request=None):
        return TemplatesSetting.render(self, template_name, context, request)


class Layout(forms.Form):
    required_css_class = "required"
    name = forms.CharField(help_text="Your <b>full</b> name", label="Name & title")
    agree = forms.BooleanField(required=False, label="I agree <now>")
    colour = forms.ChoiceField(choices=[("r", "Red"), ("g", "Green")], widget=forms.RadioSelect)
    kinds = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple)
    when = forms.DateField(required=False, label="When?")
    secret = forms.CharField(widget=forms.HiddenInput, required=False)
    unlabelled = forms.CharField(required=False, label="")

    def clean(self):
        if self.cleaned_data.get("name") == "clash":
            raise forms.ValidationError("Name & colour <clash>.")
        return self.cleaned_data


class OnlyHidden(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)


def _site_forms() -> list[type[forms.BaseForm]]:
    """Every form class of the site's apps that can be built without arguments."""
    import importlib
    import pkgutil

    found = []
    for app in ("project", "volunteers", "scheduling", "oncall", "expenses"):
        for info in pkgutil.walk_packages(importlib.import_module(app).__path__, f"{app}."):
            if info.name.endswith("forms") or info.name.endswith(".forms"):
                module = importlib.import_module(info.name)
                for value in vars(module).values():
                    if (
                        isinstance(value, type)
                        and issubclass(value, forms.BaseForm)
                        and value.__module__ == module.__name__
                    ):
                        found.append(value)
    return found


@pytest.mark.django_db
@pytest.mark.parametrize(
    "form_class, data",
    [
        (Layout, None),
        (Layout, {}),
        (Layout, {"name": "clash", "colour": "r", "kinds": ["a"], "when": "x", "secret": "s", "agree": "on"}),
        (Layout, {"name": "Ada", "colour": "g", "kinds": ["a", "b"], "secret": "<s>"}),
        (OnlyHidden, None),
        (OnlyHidden, {}),
        (Choices, {"count": "x"}),
        (DirectoryForm, {"q": '<b>"x"</b>', "organization": "999"}),
    ],
)
def test_form_layout_is_the_templates_layout(form_class, data):
    form = form_class(data, renderer=CrewbaseFormRenderer())
    fast = str(form)
    form.renderer = _TemplatesOnly()
    assert fast == str(form)
    if data is not None and not form.is_valid():
        assert 'class="errorlist' in fast


@pytest.mark.django_db
def test_every_site_form_renders_as_its_templates():
    built = 0
    for form_class in _site_forms():
        for data in (None, {}):
            try:
                form = form_class(data)
            except TypeError:  # needs arguments (a user, an instance): covered by its page's tests
                break
            fast = str(form)
            form.renderer = _TemplatesOnly()
            assert fast == str(form), form_class.__name__
            built += 1
    assert built >= 20


@pytest.mark.django_db
def test_choice_label_is_djangos_display_text():
    from expenses.models import Expense
    from project.tables import choice_label
    from volunteers.models import Event, Volunteer

    for value, _ in Event._meta.get_field("status").flatchoices:
        event = Event(status=value, event_type="", format="")
        assert choice_label(event, "status") == event.get_status_display() != ""
        assert type(choice_label(event, "status")) is str
    volunteer = Volunteer(local_status="not-a-choice")
    assert choice_label(volunteer, "local_status") == volunteer.get_local_status_display() == "not-a-choice"
    expense = Expense(meal_type="", order_type=None)
    assert choice_label(expense, "meal_type") == expense.get_meal_type_display()
    assert choice_label(expense, "order_type") == expense.get_order_type_display()
