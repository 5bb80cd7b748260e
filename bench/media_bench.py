"""Recordings benchmark: an upload's memory and a seek's cost in a large recording.

    python bench/media_bench.py                  # a 1,000 MB recording
    python bench/media_bench.py --mb 200         # a quick run

Each step runs in its own process, so its peak memory (max RSS) is its own:
- upload: the recording is posted (multipart, through the same WSGI handler as gunicorn) to
  the attach page; the peak RSS of the process is compared with one that only starts Django.
- seek: range requests at the start, the middle and the last megabyte of the stored
  recording: time to the last byte, and the bytes read from disk (which must be the range's).
The recording is a WAV (header written with the standard library, silence after it) in a
temporary MEDIA_ROOT; the database is a fresh SQLite file there.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOUNDARY = "parley-bench-boundary"


def _django(data_dir: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "media-bench-only")
    os.environ.setdefault("DEBUG", "0")
    os.environ["PARLEY_DATA_DIR"] = data_dir
    os.environ["MEDIA_ROOT"] = data_dir + "/media"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["SESSION_COOKIE_SECURE"] = "0"
    os.environ["CSRF_COOKIE_SECURE"] = "0"
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _wav(path: Path, megabytes: int) -> None:
    """A WAV header for `megabytes` of 16-bit mono audio, written in pieces."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        piece = b"\x00" * (1024 * 1024)
        for _ in range(megabytes):
            out.writeframes(piece)


def setup(data_dir: str, megabytes: int) -> dict:
    _django(data_dir)
    from django.core.management import call_command

    from interviews.models import Membership, Project, Role
    from interviews.services import source_create

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("bench", password="bench-password-1")
    project = Project.objects.create(name="Bench")
    Membership.objects.create(project=project, user=user, role=Role.ADMIN)
    source = source_create(
        project=project, title="Long interview", text="Olga: Hello.\n\nIvan: Hi."
    )
    path = Path(data_dir) / "recording.wav"
    _wav(path, megabytes)
    return {"project": project.pk, "source": source.pk, "file": str(path), "peak_mb": _peak_mb()}


def _body_parts(path: Path, token: str):
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f'{token}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{path.name}"\r\nContent-Type: audio/wav\r\n\r\n'
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    return head, tail


class _Body:
    """The request body read from disk as the handler asks for it (as a server would)."""

    def __init__(self, head: bytes, path: Path, tail: bytes) -> None:
        self.parts = [head, path.open("rb"), tail]
        self.length = len(head) + path.stat().st_size + len(tail)

    def read(self, size: int = -1) -> bytes:
        out = b""
        while self.parts and (size < 0 or len(out) < size):
            part = self.parts[0]
            want = -1 if size < 0 else size - len(out)
            if isinstance(part, bytes):
                chunk = part if want < 0 else part[:want]
                rest = b"" if want < 0 else part[want:]
                if rest:
                    self.parts[0] = rest
                else:
                    self.parts.pop(0)
            else:
                chunk = part.read(want)
                if not chunk or (want >= 0 and len(chunk) < want):
                    self.parts.pop(0)
            out += chunk
        return out

    def readline(self, size: int = -1) -> bytes:  # not used by the multipart parser
        return self.read(size)


def upload(data_dir: str, info: dict) -> dict:
    _django(data_dir)
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import Client
    from django.urls import reverse

    from interviews.recordings.models import Recording

    client = Client()
    client.login(username="bench", password="bench-password-1")
    url = reverse("interviews:recording_attach", args=[info["project"], info["source"]])
    token = "b" * 32  # a CSRF secret, sent as cookie and form field: checked as a browser's
    client.cookies["csrftoken"] = token
    baseline = _peak_mb()
    head, tail = _body_parts(Path(info["file"]), token)
    body = _Body(head, Path(info["file"]), tail)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": url,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(body.length),
        "HTTP_COOKIE": "; ".join(f"{k}={v.value}" for k, v in client.cookies.items()),
        "HTTP_X_CSRFTOKEN": token,
    }
    handler = WSGIHandler()
    started = time.perf_counter()
    statuses = []
    handler(environ, lambda status, headers: statuses.append(status))
    seconds = time.perf_counter() - started
    recording = Recording.objects.get(source_id=info["source"])
    return {
        "status": statuses[0],
        "seconds": seconds,
        "stored_bytes": recording.size,
        "peak_mb_before": baseline,
        "peak_mb_after": _peak_mb(),
    }


def seek(data_dir: str, info: dict) -> dict:
    _django(data_dir)
    from django.test import Client
    from django.urls import reverse

    import interviews.recordings.serving as serving
    from interviews.recordings.models import Recording

    client = Client()
    client.login(username="bench", password="bench-password-1")
    url = reverse("interviews:recording_file", args=[info["project"], info["source"]])
    size = Recording.objects.get(source_id=info["source"]).size
    read = []
    original = serving._read

    def counting(path, start, length, chunk):
        for piece in original(path, start, length, chunk):
            read.append(len(piece))
            yield piece

    serving._read = counting
    rows = []
    for label, first in (("start", 0), ("middle", size // 2), ("last MB", size - 1024 * 1024)):
        read.clear()
        started = time.perf_counter()
        response = client.get(url, HTTP_RANGE=f"bytes={first}-{first + 1024 * 1024 - 1}")
        received = sum(len(piece) for piece in response.streaming_content)
        rows.append(
            {
                "where": label,
                "status": response.status_code,
                "ms": 1000 * (time.perf_counter() - started),
                "received": received,
                "read_from_disk": sum(read),
            }
        )
    return {"size": size, "rows": rows, "peak_mb": _peak_mb()}


def _child(step: str, data_dir: str, info: dict | None = None) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--step", step, "--data", data_dir, "--info", json.dumps(info)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"The {step} step failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=1000, help="the recording's size in MB")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--info", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        info = json.loads(args.info) if args.info else None
        result = {
            "setup": lambda: setup(args.data, args.mb),
            "upload": lambda: upload(args.data, info),
            "seek": lambda: seek(args.data, info),
        }[args.step]()
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="parley-media-bench-") as data_dir:
        info = json.loads(
            subprocess.run(
                [sys.executable, __file__, "--step", "setup", "--data", data_dir, "--mb", str(args.mb)],
                check=True, capture_output=True, text=True,
            ).stdout.strip().splitlines()[-1]
        )  # fmt: skip
        Path(info["file"]).stat()
        up = _child("upload", data_dir, info)
        print(
            f"recording: {args.mb:,} MB WAV ({up['stored_bytes']:,} bytes stored), load average {os.getloadavg()[0]:.2f}"
        )
        print(
            f"upload: {up['status']} in {up['seconds']:.1f} s; peak RSS {up['peak_mb_before']:.0f} MB "
            f"before, {up['peak_mb_after']:.0f} MB after (+{up['peak_mb_after'] - up['peak_mb_before']:.0f} MB)"
        )
        found = _child("seek", data_dir, info)
        for row in found["rows"]:
            print(
                f"seek to {row['where']}: {row['status']}, {row['received']:,} bytes received, "
                f"{row['read_from_disk']:,} read from disk, {row['ms']:.1f} ms"
            )
        print(f"seek process peak RSS {found['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
