"""One form layout for every page: `{{ form }}` renders through templates/components/form.html.

Each field is a label, the widget, its help text and its errors right under it (inline), with
`aria-describedby` pointing at the help and errors; errors not tied to a field come first.
Set project-wide by `settings.FORM_RENDERER`; templates never call `as_p`/`as_div`/`as_table`.

The form and field layout, labels, selects and plain inputs are written out in Python, the same
markup as the templates (tests compare them on every form of the site): the templates render one
include per option, per attribute list and per label, and resolve every variable through the
template engine, which for a list page's filter form was a good part of the page's time. Anything
unusual (another option template, a label that is not text, other widgets, an error list with
errors) still goes through the templates, which stay the layout's definition.
"""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
LABEL_TEMPLATE = "django/forms/label.html"
ERROR_LIST_TEMPLATES = {"django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"}
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


def label_html(context: dict) -> SafeString:
    """django/forms/label.html."""
    label = conditional_escape(context["label"])
    if not context["use_tag"]:
        return label
    tag = conditional_escape(context["tag"])
    html = f"<{tag}{_attrs_html(context['attrs'] or {})}>{label}</{tag}>"
    return mark_safe(html)  # noqa: S308 - the tag, attributes and label are escaped # nosec B308 B703


def field_html(field) -> SafeString:
    """templates/components/field.html: the label, the widget, the help text and the errors."""
    if field.use_fieldset:
        described = field.aria_describedby
        described = f' aria-describedby="{conditional_escape(described)}"' if described else ""
        legend = field.legend_tag() if field.label else ""
        html = f"<fieldset{described}>\n  {legend}\n  {field}\n"
    elif field.widget_type == "checkbox":
        html = f'\n  <label for="{conditional_escape(field.id_for_label)}">{field} {conditional_escape(field.label)}</label>\n'
    else:
        label = field.label_tag() if field.label else ""
        html = f"\n  {label}\n  {field}\n"
    help_text = ""
    if field.help_text:
        help_id = f' id="{conditional_escape(field.auto_id)}_helptext"' if field.auto_id else ""
        help_text = f'<div class="helptext"{help_id}>{field.help_text}</div>'  # |safe, as in the template
    closing = "</fieldset>" if field.use_fieldset else ""
    html = f"{html}\n{help_text}\n{field.errors}\n{closing}\n".strip()  # a renderer strips its output
    return mark_safe(html)  # noqa: S308 - labels and ids escaped; help text is the code's own # nosec B308 B703


def form_html(context: dict) -> SafeString:
    """templates/components/form.html: errors not tied to a field, then each field in its box."""
    errors, fields, hidden = context["errors"], context["fields"], context["hidden_fields"]
    parts = [f'<div class="form-errors" role="alert">{errors}</div>' if errors else "", "\n"]
    hidden_html = "".join(str(h) for h in hidden)
    for index, (field, field_errors) in enumerate(fields):
        classes = "field"
        if field.widget_type == "checkbox":
            classes += " field-check"
        if field_errors:
            classes += " has-error"
        if css := field.css_classes():
            classes += f" {conditional_escape(css)}"
        last = hidden_html if index == len(fields) - 1 else ""
        parts.append(f'\n<div class="{classes}">\n  {field.as_field_group()}\n  {last}\n</div>\n')
    parts.append(f"\n{hidden_html if not fields else ''}\n")
    return mark_safe("".join(parts).strip())  # noqa: S308 - made of the escaped pieces above # nosec B308 B703


class CrewbaseFormRenderer(TemplatesSetting):
    form_template_name = "components/form.html"
    field_template_name = "components/field.html"

    def render(self, template_name, context, request=None):
        if template_name == self.field_template_name:
            return field_html(context["field"])
        if template_name == self.form_template_name:
            return form_html(context)
        if template_name == LABEL_TEMPLATE:
            return label_html(context)
        if template_name in ERROR_LIST_TEMPLATES and not context["errors"]:
            return ""
        if template_name == SELECT_TEMPLATE:
            html = select_html(context["widget"])
            if html is not None:
                return html
        elif template_name in INPUT_TEMPLATES:
            return input_html(context["widget"])
        return super().render(template_name, context, request)
