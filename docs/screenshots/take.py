"""Take the coding page screenshots of the README from the demo study.

    .venv/bin/python docs/screenshots/take.py

Loads the demo into a scratch SQLite database, gives one interview a recording (spoken by
espeak-ng) and trains coding help, serves the site, and photographs the coding page in
Chromium at 1400, 768 and 390 px (and at 390 px with the tools open).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
PYTHON = sys.executable


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="parley-shots-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{scratch / 'db.sqlite3'}",
        "MEDIA_ROOT": str(scratch / "media"),
        "DEBUG": "1",
    }
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")
    manage(env, "load_demo")
    shell = (
        "from interviews.models import Source;"
        "s = Source.objects.filter(codings__isnull=False).distinct().order_by('pk').first();"
        "print('SOURCE', s.project_id, s.pk);"
        "open(%r, 'w').write(s.text[:1500])"
    )
    words = scratch / "words.txt"
    shell %= str(words)
    found = re.search(r"^SOURCE (\d+) (\d+)$", manage(env, "shell", "-c", shell), re.M)
    project, source = found.groups()
    speech = scratch / "interview.wav"
    subprocess.run(["espeak-ng", "-w", str(speech), "-f", str(words)], check=True)
    manage(env, "attach_media", source, str(speech))
    manage(env, "train_suggestions", project)

    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/accounts/login/", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium")
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", "artem")
            page.fill("input[name=password]", "parley-demo")
            page.click("button[type=submit]")
            page.goto(f"{base}/projects/{project}/sources/{source}/code/")
            page.wait_for_selector("#workspace[data-ready=true]")
            for width, height in [(1400, 900), (768, 1000), (390, 844)]:
                page.set_viewport_size({"width": width, "height": height})
                page.wait_for_timeout(400)
                page.screenshot(path=OUT / f"coding-page-{width}.png")
                print(f"coding-page-{width}.png")
            page.get_by_role("button", name=re.compile("Coding tools")).click()
            page.wait_for_selector("#ws-tools.show")
            page.wait_for_timeout(400)
            page.screenshot(path=OUT / "coding-page-390-tools.png")
            print("coding-page-390-tools.png")
            browser.close()
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
