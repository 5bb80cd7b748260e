"""Addresses reversed once per process (`interviews.reversing`, and `{% url %}` through it) are
those Django's `reverse` gives, for every prefix, namespace and URLconf."""

import re
from html import unescape

import pytest
from django.template import Context, Engine, Template, engines
from django.test import override_settings
from django.urls import (
    NoReverseMatch,
    URLPattern,
    URLResolver,
    clear_script_prefix,
    get_resolver,
    path,
    re_path,
    register_converter,
    set_script_prefix,
)
from django.urls import reverse as django_reverse

from interviews import reversing
from interviews.reversing import reverse


def _view(request):  # pragma: no cover - only reversed
    raise AssertionError


def _other(request):  # pragma: no cover - only reversed
    raise AssertionError


class _Padded:
    """Numbers written with twelve digits: an address the stand-ins cannot make."""

    regex = "[0-9]{12}"

    def to_python(self, value):  # pragma: no cover - only reversed
        return int(value)

    def to_url(self, value):
        return f"{int(value):012d}"


register_converter(_Padded, "padded")

# A URLconf of its own for the tests that swap ROOT_URLCONF.
urlpatterns = [
    path("elsewhere/<int:pk>/", _view, name="project_list"),
    path("swapped/<int:source_pk>/in/<int:pk>/", _other, name="swapped"),
    path("padded/<padded:number>/", _other, name="padded"),
    re_path(r"^year/(?P<year>[0-9]{4})/$", _other, name="year"),
    path("named/<str:kind>/<int:pk>/", _other, name="named"),
]

CALLS = [
    ("interviews:project_list", None, None),
    ("interviews:project_detail", [7], None),
    ("interviews:source_detail", [7, 12], None),
    ("interviews:source_detail", None, {"pk": 7, "source_pk": 12}),
    ("coding:workspace", ["7", "12"], None),
    ("api:source_pieces", [3, 4], None),
    ("password_change", None, None),
    ("logout", (), None),
]


def test_the_addresses_are_djangos_and_are_kept():
    reversing._FOUND.clear()
    for name, args, kwargs in CALLS:
        expected = django_reverse(name, args=args, kwargs=kwargs)
        assert reverse(name, args=args, kwargs=kwargs) == expected
        assert reverse(name, args=args, kwargs=kwargs) == expected
    # Positional and keyword arguments of the same address are kept apart.
    assert len(reversing._FOUND) == len(CALLS)


def test_a_script_prefix_gives_its_own_addresses():
    try:
        set_script_prefix("/parley/")
        assert reverse("interviews:project_detail", args=[7]) == "/parley/projects/7/"
        set_script_prefix("/")
        assert reverse("interviews:project_detail", args=[7]) == "/projects/7/"
    finally:
        clear_script_prefix()
        set_script_prefix("/")


def test_an_unknown_view_or_argument_is_refused_as_django_refuses_it():
    with pytest.raises(NoReverseMatch):
        reverse("interviews:no_such_page")
    with pytest.raises(NoReverseMatch):
        reverse("interviews:project_detail", args=["not-a-number"])
    # An argument that cannot be a key goes to Django's reverse, which refuses it too.
    with pytest.raises(NoReverseMatch):
        reverse("interviews:project_detail", args=[[7]])


def test_a_view_given_as_a_function_goes_to_djangos_reverse():
    with override_settings(ROOT_URLCONF="tests.test_reversing"):
        assert reverse(_view, args=[5]) == django_reverse(_view, args=[5]) == "/elsewhere/5/"


def test_another_urlconf_empties_the_table():
    assert reverse("interviews:project_list") == "/"
    with override_settings(ROOT_URLCONF="tests.test_reversing"):
        assert reverse("project_list", args=[5]) == "/elsewhere/5/"
    assert reverse("interviews:project_list") == "/"
    with pytest.raises(NoReverseMatch):
        reverse("project_list", args=[5])


def test_the_url_tag_writes_what_djangos_writes():
    ours = engines["django"].engine
    assert "interviews.templatetags.reversing" in ours.builtins
    source = (
        "{% url 'interviews:source_detail' p s %}|"
        "{% url 'interviews:project_detail' pk=p %}|"
        "{% url 'interviews:project_detail' p as there %}[{{ there }}]|"
        "{% url 'interviews:no_such_page' as nowhere %}[{{ nowhere }}]|"
        "{% url name 3 4 %}"
    )
    context = {"p": 7, "s": 12, "name": "api:source_pieces"}
    written = ours.from_string(source).render(Context(context))
    django_engine = Engine(builtins=[], libraries={})
    assert Template(source, engine=django_engine).render(Context(context)) == written
    assert written == (
        "/projects/7/sources/12/|/projects/7/|[/projects/7/]|[]|"
        + django_reverse("api:source_pieces", args=[3, 4])
    )
    with pytest.raises(NoReverseMatch):
        ours.from_string("{% url 'interviews:no_such_page' %}").render(Context({}))


def test_the_coding_page_links_and_its_script_share_one_token(source, client_for):
    page = client_for("coder").get(
        django_reverse("coding:workspace", args=[source.project_id, source.pk])
    )
    html = page.content.decode()
    assert f'href="{django_reverse("interviews:project_list")}"' in html
    assert f'action="{django_reverse("logout")}"' in html
    data = page.context["workspace_data"]
    assert data["urls"]["pieces"] == django_reverse(
        "api:source_pieces", args=[source.project_id, source.pk]
    )
    form_tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert form_tokens and {unescape(t) for t in form_tokens} == {data["csrfToken"]}


def _named_patterns(resolver=None, namespace="", converters=()):
    """(name, the converters of its arguments by name) of every named pattern."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        own = tuple(getattr(entry.pattern, "converters", {}).items())
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_patterns(entry, inner, converters + own)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", dict(converters + own)


def test_every_address_of_the_project_is_djangos_for_any_whole_numbers():
    reversing._FOUND.clear()
    reversing._PATTERNS.clear()
    checked = 0
    for name, converters in _named_patterns():
        names = sorted(converters)
        for values in ([0] * len(names), [7, 12, 3][: len(names)], [10**17 + 5] * len(names)):
            kwargs = dict(zip(names, values, strict=False)) or None
            try:
                expected = django_reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                with pytest.raises(NoReverseMatch):
                    reverse(name, kwargs=kwargs)
                continue
            assert reverse(name, kwargs=kwargs) == expected, name
            if kwargs:
                args = [kwargs[n] for n in converters]  # in the pattern's order
                assert reverse(name, args=args) == django_reverse(name, args=args), name
            checked += 1
    assert checked > 300
    # Most views' addresses are made from their patterns, not each by Django's reverse.
    made = [parts for parts in reversing._PATTERNS.values() if parts is not None]
    assert len(made) > 200


@override_settings(ROOT_URLCONF="tests.test_reversing")
def test_addresses_the_stand_ins_cannot_make_are_left_to_django(monkeypatch):
    cases = [
        ("swapped", None, {"pk": 1, "source_pk": 2}, "/swapped/2/in/1/"),
        ("swapped", [2, 1], None, "/swapped/2/in/1/"),
        ("padded", [5], None, "/padded/000000000005/"),
        ("year", None, {"year": 2024}, "/year/2024/"),
        ("named", ["film", 4], None, "/named/film/4/"),
        ("named", None, {"kind": 12, "pk": 4}, "/named/12/4/"),
    ]
    for name, args, kwargs, expected in cases:
        assert reverse(name, args=args, kwargs=kwargs) == expected
        assert django_reverse(name, args=args, kwargs=kwargs) == expected
    assert [parts for shape, parts in reversing._PATTERNS.items() if shape[0] == "padded"] == [None]
    for name, args, kwargs in [
        ("year", None, {"year": 12345}),
        ("project_list", [-5], None),
        ("project_list", [True], None),
    ]:
        with pytest.raises(NoReverseMatch):
            django_reverse(name, args=args, kwargs=kwargs)
        with pytest.raises(NoReverseMatch):
            reverse(name, args=args, kwargs=kwargs)


def test_a_new_address_of_a_known_view_needs_no_reverse(monkeypatch):
    reversing._FOUND.clear()
    reversing._PATTERNS.clear()
    assert reverse("coding:workspace", args=[3, 40]) == "/projects/3/sources/40/code/"
    calls = []

    def counted(*args, **kwargs):
        calls.append(args[0])
        return django_reverse(*args, **kwargs)

    monkeypatch.setattr(reversing, "django_reverse", counted)
    assert reverse("coding:workspace", args=[3, 41]) == "/projects/3/sources/41/code/"
    assert reverse("coding:workspace", args=[3, 42]) == "/projects/3/sources/42/code/"
    assert calls == []
    # A view not reversed before: once for its pattern, then never.
    for source in (41, 42, 43):
        assert reverse("api:source_pieces", args=[3, source]) == django_reverse(
            "api:source_pieces", args=[3, source]
        )
    assert calls == ["api:source_pieces"]
    # A number of 19 digits (more than the API's ids hold) goes to Django's reverse.
    calls.clear()
    with pytest.raises(NoReverseMatch):
        reverse("api:source_pieces", args=[3, 10**18])
    assert calls == ["api:source_pieces"]
