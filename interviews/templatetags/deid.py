"""The source page's de-identification actions and notices."""

from django import template

from interviews.deid import services

register = template.Library()


@register.inclusion_tag("deid/_source_actions.html", takes_context=True)
def deid_source_actions(context) -> dict:
    source = context["source"]
    return {
        "access": context["access"],
        "project": context["project"],
        "source": source,
        "deidentified": services.is_deidentified(source),
        "coding_refused": services.coding_refused(source),
    }
