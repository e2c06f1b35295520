"""One form layout for every page: `{{ form }}` renders through templates/components/form.html.

Each field is a label, the widget, its help text and its errors right under it (inline), with
`aria-describedby` pointing at the help and errors; errors not tied to a field come first.
Set project-wide by `settings.FORM_RENDERER`; templates never call `as_p`/`as_div`/`as_table`.
"""

from django.forms.renderers import TemplatesSetting


class CrewbaseFormRenderer(TemplatesSetting):
    form_template_name = "components/form.html"
    field_template_name = "components/field.html"
