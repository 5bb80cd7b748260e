"""Addresses of views reversed once per process.

Django's `reverse` finds a view's address anew on every call: the URL resolver's tables for
the active language, the namespace, the candidate patterns, each argument converted and
checked against its pattern. On the coding page that was about 75 µs a call, fifteen calls a
page (the menu bar's links, the API's addresses in the page's data), about a sixth of its
time (bench/README.md, "Addresses reversed once"). An address depends on nothing but the
view's name, its arguments, the namespace asked for, the URLconf, the script prefix and the
language, so `reverse` here keeps each address it found under those, and `{% url %}` uses it
(the `url` tag of `interviews.templatetags.reversing`, a builtin of the templates). The URLconf
does not change while a process runs; a test that changes `ROOT_URLCONF` empties the table,
as it empties Django's own caches.
"""

from __future__ import annotations

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.utils.translation import get_language

_FOUND: dict[tuple, str] = {}
_KEPT = 8192


def reverse(viewname, args=None, kwargs=None, current_app=None) -> str:
    """`django.urls.reverse` for a view named by a string, with arguments that are numbers
    or text; any other call goes to Django's as it is."""
    if not isinstance(viewname, str):
        return django_reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
    try:
        key = (
            viewname,
            tuple(args or ()),
            tuple(sorted(kwargs.items())) if kwargs else (),
            current_app,
            get_urlconf(),
            get_script_prefix(),
            get_language(),
        )
        found = _FOUND.get(key)
    except TypeError:  # an argument that cannot be a key
        return django_reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
    if found is None:
        found = django_reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
        if len(_FOUND) >= _KEPT:
            _FOUND.clear()
        _FOUND[key] = found
    return found


@receiver(setting_changed)
def _forget(*, setting, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _FOUND.clear()
