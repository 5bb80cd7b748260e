"""Addresses reversed once per process (`interviews.reversing`, and `{% url %}` through it) are
those Django's `reverse` gives, for every prefix, namespace and URLconf."""

import re
from html import unescape

import pytest
from django.template import Context, Engine, Template, engines
from django.test import override_settings
from django.urls import NoReverseMatch, clear_script_prefix, path, set_script_prefix
from django.urls import reverse as django_reverse

from interviews import reversing
from interviews.reversing import reverse


def _view(request):  # pragma: no cover - only reversed
    raise AssertionError


# A URLconf of its own for the test that swaps ROOT_URLCONF.
urlpatterns = [path("elsewhere/<int:pk>/", _view, name="project_list")]

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
