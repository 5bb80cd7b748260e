"""Filters shared by retrieval, queries and search: interviewee attributes, source, coder, date.

A filter is a plain dict (so that a saved query can store it as JSON)::

    {"attributes": {"country": "Belarus", "attr:7": "Private company"},
     "sources": [3, 4], "coders": [2], "date_from": "2025-01-01", "date_to": "2025-12-31"}

Built-in interviewee fields are named as they are (country, sector, organisation, role);
free attributes as `attr:<id>`. Values match case-insensitively. A source passes an
attribute filter when one of its interviewees has that value, or (for free attributes) when
the source itself carries it.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from interviews.models import Attribute, Project, Source
from interviews.params import parse_id

BUILT_IN_FIELDS = {
    "country": "Country",
    "sector": "Sector",
    "organisation": "Organisation",
    "role": "Role",
}


def attribute_choices(project: Project) -> list[tuple[str, str]]:
    """(key, label) of every attribute a passage can be filtered by."""
    choices = list(BUILT_IN_FIELDS.items())
    choices += [(f"attr:{a.pk}", a.name) for a in Attribute.objects.filter(project=project)]
    return choices


def _date(value: str, label: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{label}: “{value}” is not a date (use YYYY-MM-DD).") from None


def _ids(values, label: str) -> list[int]:
    ids = [parse_id(v) for v in values if str(v).strip()]
    if None in ids:
        raise ValidationError(f"The {label} filter is not valid.")
    return ids


def filters_from_query(params, project: Project) -> dict:
    """A filter dict from GET parameters (`attr_key`/`attr_value` pairs, source, coder, dates).

    Raises ValidationError with a clear message for anything that does not fit the project.
    """
    attributes: dict[str, str] = {}
    keys = params.getlist("attr_key")
    values = params.getlist("attr_value")
    for key, value in zip(keys, values, strict=False):
        if key and value.strip():
            attributes[key] = value.strip()
    filters = {
        "attributes": attributes,
        "sources": _ids(params.getlist("source"), "source"),
        "coders": _ids(params.getlist("coder"), "coder"),
        "date_from": params.get("date_from", "").strip(),
        "date_to": params.get("date_to", "").strip(),
    }
    filters_validate(filters, project)
    return filters


def filters_validate(filters: dict, project: Project) -> None:
    known = dict(attribute_choices(project))
    for key, value in (filters.get("attributes") or {}).items():
        if key not in known:
            raise ValidationError("Filter by an attribute of this project.")
        if "\x00" in value:
            raise ValidationError("A filter value cannot hold NUL characters.")
    sources = filters.get("sources") or []
    if sources and Source.objects.filter(pk__in=sources, project=project).count() != len(
        set(sources)
    ):
        raise ValidationError("Filter by sources of this project.")
    _date(filters.get("date_from", ""), "From")
    _date(filters.get("date_to", ""), "To")


def sources_matching(project: Project, attributes: dict[str, str]) -> QuerySet[Source]:
    """The project's sources that pass every attribute filter."""
    sources = Source.objects.filter(project=project)
    for key, value in attributes.items():
        if key in BUILT_IN_FIELDS:
            matching = Source.objects.filter(
                **{f"interviewees__{key}__iexact": value}, project=project
            )
        elif key.startswith("attr:"):
            attribute_id = int(key.split(":", 1)[1])
            matching = Source.objects.filter(
                Q(
                    interviewees__attribute_values__attribute_id=attribute_id,
                    interviewees__attribute_values__value__iexact=value,
                )
                | Q(
                    attribute_values__attribute_id=attribute_id,
                    attribute_values__value__iexact=value,
                ),
                project=project,
            )
        else:
            raise ValidationError("Filter by an attribute of this project.")
        sources = sources.filter(pk__in=matching.values("pk"))
    return sources


def codings_filter(codings: QuerySet, *, project: Project, filters: dict | None) -> QuerySet:
    """Codings narrowed by a filter dict."""
    if not filters:
        return codings
    if filters.get("attributes"):
        # A short list of ids plans better than a nested subquery on a large project.
        ids = list(sources_matching(project, filters["attributes"]).values_list("pk", flat=True))
        codings = codings.filter(source_id__in=ids)
    if filters.get("sources"):
        codings = codings.filter(source_id__in=filters["sources"])
    if filters.get("coders"):
        codings = codings.filter(coder_id__in=filters["coders"])
    date_from = _date(filters.get("date_from", ""), "From")
    date_to = _date(filters.get("date_to", ""), "To")
    if date_from:
        codings = codings.filter(created_at__date__gte=date_from)
    if date_to:
        codings = codings.filter(created_at__date__lte=date_to)
    return codings


def filters_describe(filters: dict, project: Project) -> list[str]:
    """Human words for an active filter, e.g. ['Country = Belarus', 'coded from 2025-01-01']."""
    labels = dict(attribute_choices(project))
    words = [f"{labels.get(k, k)} = {v}" for k, v in (filters.get("attributes") or {}).items()]
    if filters.get("sources"):
        titles = Source.objects.filter(pk__in=filters["sources"]).values_list("title", flat=True)
        words.append("source: " + ", ".join(titles))
    if filters.get("coders"):
        from django.contrib.auth import get_user_model

        names = get_user_model().objects.filter(pk__in=filters["coders"])
        words.append("coder: " + ", ".join(u.username for u in names))
    if filters.get("date_from"):
        words.append(f"coded from {filters['date_from']}")
    if filters.get("date_to"):
        words.append(f"coded until {filters['date_to']}")
    return words
