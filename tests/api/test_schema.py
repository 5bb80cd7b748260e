"""The schema and the interactive docs page: generated from the code, served from this site."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from django.test import Client


def test_the_schema_is_openapi_3_1_and_documents_every_error(db):
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    create = schema["paths"]["/api/v1/projects/{pk}/sources/{source_pk}/codings/"]["post"]
    assert set(create["responses"]) >= {"201", "400", "401", "403", "404", "409", "429"}
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/CodingIn")
    assert len(schema["paths"]) >= 29


def test_the_docs_page_loads_its_assets_from_this_site(db):
    page = Client().get("/api/v1/docs").content.decode()
    assert "swagger" in page.lower()
    assert not re.search(r"""(src|href)=["']https?://""", page)  # no CDN
    assets = re.findall(r"""(?:src|href)=["']/static/([^"']+)["']""", page)
    assert any(a.endswith(".js") for a in assets)
    for asset in assets:
        assert finders.find(asset), asset


def test_an_unknown_address_under_the_api_answers_json(client_for):
    response = client_for("viewer").get("/api/v1/nothing/here/")
    assert response.status_code == 404
    assert "no such address" in response.json()["error"]
