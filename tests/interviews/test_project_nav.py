"""The project menu beside every project page (rendered once per project, role and page)."""

from __future__ import annotations

import re

from django.urls import reverse


def menu(client, url: str) -> list[tuple[str, bool]]:
    html = client.get(url).content.decode()
    nav = re.search(r'<nav class="nav flex-column[^>]*>(.*?)</nav>', html, re.S).group(1)
    return [
        (name, "active" in classes)
        for classes, name in re.findall(r'<a class="nav-link ([^"]*)"[^>]*>([^<]*)</a>', nav)
    ]


def test_the_menu_follows_each_members_role_and_the_current_page(
    client_for, project, other_project
):
    sources = reverse("interviews:source_list", args=[project.pk])
    codebook = reverse("coding:codebook", args=[project.pk])
    for _ in range(2):  # the second time from what was rendered before
        admin = menu(client_for("admin"), sources)
        viewer = menu(client_for("viewer"), sources)
        assert ("Members", False) in admin and ("Settings", False) in admin
        assert [name for name, _ in viewer if name in ("Members", "Settings", "Exchange")] == []
        assert [name for name, active in admin if active] == ["Sources"]
        assert [name for name, active in menu(client_for("viewer"), codebook) if active] == [
            "Codebook"
        ]
    html = client_for("admin").get(sources).content.decode()
    assert f'href="/projects/{project.pk}/members/"' in html
    assert f"/projects/{other_project.pk}/" not in html
