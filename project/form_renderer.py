"""One form layout for every page: `{{ form }}` renders through templates/components/form.html.

Each field is a label, the widget, its help text and its errors right under it (inline), with
`aria-describedby` pointing at the help and errors; errors not tied to a field come first.
Set project-wide by `settings.FORM_RENDERER`; templates never call `as_p`/`as_div`/`as_table`.

Selects and plain inputs are written out in Python, the same markup as Django's widget
templates (tests compare them): the templates render one include per option and per attribute
list, which for a list page's filter form was a good part of the page's time. Anything unusual
(another option template, a label that is not text, other widgets) still goes through the
templates.
"""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
# Widgets whose template is just {% include "django/forms/widgets/input.html" %}.
INPUT_TEMPLATES = {
    f"django/forms/widgets/{name}.html"
    for name in ("text", "number", "email", "url", "password", "hidden", "date", "datetime", "time", "search", "tel")
}


def _attrs_html(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{_text(value)}"')
    return "".join(parts)


def _text(value) -> str:
    """`{{ value|stringformat:'s' }}`: the value as text, escaped unless already safe."""
    return conditional_escape(value if isinstance(value, SafeString) else f"{value}")


def input_html(widget: dict) -> SafeString:
    """django/forms/widgets/input.html."""
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    html = (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{_attrs_html(widget['attrs'])}>"
    )
    return mark_safe(html)  # noqa: S308 - the type, name, value and attributes are escaped # nosec B308 B703


def select_html(widget: dict) -> SafeString | None:
    """The select's markup, or None when it needs the templates."""
    lines = [f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            lines.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            label = option["label"]
            if option["template_name"] != OPTION_TEMPLATE or not isinstance(label, str | Promise):
                return None
            lines.append(
                f'\n  <option value="{_text(option["value"])}"{_attrs_html(option["attrs"])}>'
                f"{conditional_escape(label)}</option>\n"
            )
        if group_name:
            lines.append("\n  </optgroup>")
    lines.append("\n</select>")
    return mark_safe("".join(lines))  # noqa: S308 - every name, value and label above is escaped # nosec B308 B703


class CrewbaseFormRenderer(TemplatesSetting):
    form_template_name = "components/form.html"
    field_template_name = "components/field.html"

    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            html = select_html(context["widget"])
            if html is not None:
                return html
        elif template_name in INPUT_TEMPLATES:
            return input_html(context["widget"])
        return super().render(template_name, context, request)
