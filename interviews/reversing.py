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

An address not found before (a new source's coding page, a list of sources first shown) is
made from its view's pattern when every argument is a whole number of 0 to 18 digits: the
view is reversed once with numbers that stand in for the arguments, and the address keeps
that text with each stand-in replaced (bench/README.md, "A view's address made from its
pattern"). A view whose address does not show each stand-in once, as written, is left to
Django's `reverse` each time.
"""

from __future__ import annotations

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.utils.translation import get_language

_FOUND: dict[tuple, str] = {}
_KEPT = 8192
# A view's address split around its arguments, with which argument goes in each gap (None:
# the view's address cannot be made this way), under everything but the arguments' values:
# one entry a view, number of arguments, script prefix and language.
_PATTERNS: dict[tuple, tuple[tuple[str, ...], tuple[int, ...]] | None] = {}
# Numbers of ten digits, each of which no address holds but as a stand-in (checked).
_STAND_IN = 7_913_462_580
_LARGEST = 10**18  # the API's ids have at most 18 digits (api/converters.py)


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
        found = _from_pattern(key, args, kwargs) or django_reverse(
            viewname, args=args, kwargs=kwargs, current_app=current_app
        )
        if len(_FOUND) >= _KEPT:
            _FOUND.clear()
        _FOUND[key] = found
    return found


def _whole(value) -> bool:
    return type(value) is int and 0 <= value < _LARGEST


def _from_pattern(key: tuple, args, kwargs) -> str | None:
    """The address from the view's pattern (see the module's note), or None where it cannot
    be made so: an argument that is not a whole number in range, or a view whose address
    does not show the stand-ins as they were given."""
    names = sorted(kwargs) if kwargs else []
    values = [*(args or ()), *(kwargs[name] for name in names)]
    if not values or not all(_whole(value) for value in values):
        return None
    viewname, _args, _kwargs, current_app, *where = key
    shape = (viewname, len(args or ()), tuple(names), current_app, *where)
    if shape not in _PATTERNS:
        _PATTERNS[shape] = _pattern(viewname, len(args or ()), names, current_app)
    found = _PATTERNS[shape]
    if found is None:
        return None
    parts, order = found
    pieces = [parts[0]]
    for index, after in zip(order, parts[1:], strict=True):
        pieces += [str(values[index]), after]
    return "".join(pieces)


def _pattern(viewname: str, positional: int, names: list[str], current_app):
    """The address's text around the stand-ins and which argument each stands for, in the
    order they appear; None if Django refuses the stand-ins, or shows one not exactly once
    or against another digit (a converter that pads or changes numbers)."""
    stand_ins = [str(_STAND_IN + index) for index in range(positional + len(names))]
    try:
        address = django_reverse(
            viewname,
            args=[int(s) for s in stand_ins[:positional]] or None,
            kwargs={name: int(s) for name, s in zip(names, stand_ins[positional:], strict=True)}
            or None,
            current_app=current_app,
        )
    except Exception:  # noqa: BLE001 - Django refuses the stand-ins: its own reverse decides
        return None
    places = []
    for index, stand_in in enumerate(stand_ins):
        at = address.find(stand_in)
        end = at + len(stand_in)
        if (
            address.count(stand_in) != 1
            or address[at - 1 : at].isdigit()
            or address[end : end + 1].isdigit()
        ):
            return None
        places.append((at, index))
    parts, order, last = [], [], 0
    for at, index in sorted(places):
        parts.append(address[last:at])
        order.append(index)
        last = at + len(stand_ins[index])
    parts.append(address[last:])
    return tuple(parts), tuple(order)


@receiver(setting_changed)
def _forget(*, setting, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _FOUND.clear()
        _PATTERNS.clear()
