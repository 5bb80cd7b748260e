"""Login throttling: every password form, by address and by username at an address; an
owner locked out at one address still logs in from another; attempts are logged."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import reverse

from interviews.throttle import client_ip

PASSWORD = "pw-for-tests-123"


@pytest.fixture(autouse=True)
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 5


@pytest.fixture
def owner(make_user):
    return make_user("owner", is_staff=True, is_superuser=True)


def _login(url: str, username: str, password: str, address: str = "10.0.0.1"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(url, {"username": username, "password": password})
    return client, response


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_wrong_passwords_lock_the_address_even_for_the_right_one(owner, url_name):
    url = reverse(url_name)
    for _ in range(5):
        client, response = _login(url, "owner", "wrong")
        assert not _logged_in(client)
    client, response = _login(url, "owner", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts from this address" in response.content.decode()
    assert not _logged_in(client)


def test_guesses_spread_over_many_users_are_stopped(make_user):
    for index in range(40):
        make_user(f"user{index}")
    refused = 0
    for round_ in range(4):
        for index in range(40):
            _client, response = _login(reverse("login"), f"user{index}", f"guess{round_}")
            refused += response.status_code == 429
    assert refused == 160 - 4  # the fifth failure locks the address at once
    _client, response = _login(reverse("login"), "user7", PASSWORD)
    assert response.status_code == 429


def test_the_owner_locked_out_at_one_address_logs_in_from_another(owner):
    for _ in range(6):
        _login(reverse("login"), "owner", "wrong", address="203.0.113.9")
    client, response = _login(reverse("login"), "owner", PASSWORD, address="198.51.100.4")
    assert response.status_code == 302
    assert _logged_in(client)


def test_a_success_clears_the_failures_of_that_address(owner):
    for _ in range(4):
        _login(reverse("login"), "owner", "wrong")
    client, response = _login(reverse("login"), "owner", PASSWORD)
    assert response.status_code == 302
    for _ in range(4):
        _login(reverse("login"), "owner", "wrong")
    client, response = _login(reverse("login"), "owner", PASSWORD)
    assert response.status_code == 302


def test_wrong_current_passwords_in_the_password_change_lock_it(owner):
    client = Client(REMOTE_ADDR="10.0.0.2")
    client.force_login(owner)
    url = reverse("password_change")
    for status in (200, 200, 200, 200, 429):  # the fifth failure locks it at once
        response = client.post(
            url,
            {
                "old_password": "wrong",
                "new_password1": "N3w-pass-x!",
                "new_password2": "N3w-pass-x!",
            },
        )
        assert response.status_code == status
    response = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": "N3w-pass-x!", "new_password2": "N3w-pass-x!"},
    )
    assert response.status_code == 429
    assert get_user_model().objects.get(pk=owner.pk).check_password(PASSWORD)


def test_attempts_are_logged(owner):
    _login(reverse("login"), "owner", "wrong", address="192.0.2.7")
    _login(reverse("admin:login"), "owner", "wrong", address="192.0.2.7")
    attempt = AccessAttempt.objects.get(ip_address="192.0.2.7")
    assert attempt.failures_since_start == 2
    assert AccessFailureLog.objects.filter(username="owner", ip_address="192.0.2.7").count() == 2


def test_behind_the_proxy_the_address_nginx_saw_counts(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.4"
    )
    settings.PARLEY_BEHIND_PROXY = True
    assert client_ip(request) == "198.51.100.4"  # the client's own claim (1.2.3.4) is ignored
    settings.PARLEY_BEHIND_PROXY = False
    assert client_ip(request) == "127.0.0.1"
