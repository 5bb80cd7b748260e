"""The recording behind nginx, configured as deploy/nginx-parley.conf and the README show:
Django decides, nginx sends the bytes (ranges, 416) with Django's content type and security
headers, and a recording larger than the site's general upload limit reaches Parley.

Runs Debian's nginx when it is installed (`apt-get install nginx-light`), else skips."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.urls import reverse

from interviews.recordings import services
from interviews.recordings.models import Recording
from tests.interviews.media_files import wav_bytes
from tests.nginx import NGINX, block, serving

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed"),
]


def _readme_nginx() -> str:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```nginx\n(.*?)```", readme, re.S)
    return next(b for b in blocks if "X-Accel-Redirect" in b or "internal;" in b)


SOURCES = {
    "deploy": lambda: (ROOT / "deploy" / "nginx-parley.conf").read_text(),
    "readme": _readme_nginx,
}
PROTECTED = "location /_protected/ {"
UPLOAD = "location ~ ^/projects/"


@pytest.fixture(params=sorted(SOURCES))
def nginx(request, live_server, settings, tmp_path):
    """nginx on a free port with the two locations of the chosen configuration in front of
    the live server; the site's general limit is 1 MB so that the recording's own shows."""
    text = SOURCES[request.param]()
    media = str(Path(django_settings.MEDIA_ROOT).resolve()) + "/"
    backend = live_server.url
    protected = re.sub(r"alias [^;]+;", f"alias {media};", block(text, PROTECTED))
    upload = re.sub(r"proxy_pass [^;]+;", f"proxy_pass {backend};", block(text, UPLOAD))
    settings.PARLEY_X_ACCEL_REDIRECT = "/_protected/"
    site = f"""
    client_max_body_size 1m;
    {protected}
    {upload}
    location / {{
      proxy_pass {backend};
      proxy_set_header Host $host;
    }}
"""
    with serving(tmp_path, site) as address:
        yield address


def _session(client_for, role: str) -> requests.Session:
    client = client_for(role)
    client.get("/")  # a CSRF cookie
    session = requests.Session()
    for name, morsel in client.cookies.items():
        session.cookies.set(name, morsel.value)
    return session


@pytest.fixture
def attached(source, users) -> Recording:
    path = services.incoming_dir() / "nginx.part"
    path.write_bytes(wav_bytes(2.0))
    return services.recording_attach(source=source, path=path, original_name="talk.wav")


def test_nginx_sends_the_range_with_djangos_type_and_security_headers(
    nginx, client_for, source, attached
):
    url = nginx + reverse("interviews:recording_file", args=[source.project_id, source.pk])
    data = (Path(django_settings.MEDIA_ROOT) / attached.file.name).read_bytes()
    viewer = _session(client_for, "viewer")
    response = viewer.get(url, headers={"Range": "bytes=1000-1099"})
    assert response.status_code == 206
    assert response.content == data[1000:1100]
    assert response.headers["Content-Range"] == f"bytes 1000-1099/{len(data)}"
    assert response.headers["Content-Type"] == "audio/wav"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "private, no-transform"
    whole = viewer.get(url)
    assert (whole.status_code, whole.content) == (200, data)
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    past = viewer.get(url, headers={"Range": f"bytes={len(data)}-"})
    assert past.status_code == 416
    assert past.headers["Content-Range"] == f"bytes */{len(data)}"
    # Django still decides: an outsider gets "not found", and the file has no address.
    assert _session(client_for, "outsider").get(url).status_code == 404
    direct = requests.get(f"{nginx}/_protected/{attached.file.name}")
    assert direct.status_code == 404


def test_a_recording_over_the_sites_general_limit_is_uploaded(nginx, client_for, source):
    coder = _session(client_for, "coder")
    url = nginx + reverse("interviews:recording_attach", args=[source.project_id, source.pk])
    wav = wav_bytes(70.0)  # 1.1 MB at 8 kHz: over the site's 1 MB
    assert len(wav) > 1024 * 1024
    response = coder.post(
        url,
        files={"file": ("talk.wav", wav, "audio/wav")},
        data={"csrfmiddlewaretoken": coder.cookies["csrftoken"]},
        headers={"Referer": nginx + "/"},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:300]
    recording = Recording.objects.get(source=source)
    assert recording.size == len(wav)
