PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format install install-test migrate demo worker clean chromium media-tools r-httr2

# `make run` is for a developer's machine: debug pages and a development secret key,
# unless the environment says otherwise. Production sets DEBUG=0 and SECRET_KEY itself.
run demo migrate worker: export DEBUG ?= 1

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet ".[test,redis]"
	@touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

demo: migrate
	$(PY) manage.py load_demo

## Install, migrate, load the demo study, print the logins, serve at http://$(HOST):$(PORT)
run: demo
	@echo "Parley is starting at http://$(HOST):$(PORT)/  (Ctrl+C stops the web server and the task worker)"
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) manage.py db_worker & \
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: install
	$(PY) manage.py db_worker

## Install what the tests need and run the whole suite
test: install-test chromium media-tools r-httr2
	$(PY) -m pytest $(PYTEST_ARGS)

# The browser tests drive Debian's Chromium; install it where we may (root with apt).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Chromium for the browser tests…"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is not installed (apt-get install chromium): the browser tests will be skipped."; \
	  fi; \
	fi

# Recordings: ffprobe (Debian's ffmpeg) reads their length, and the tests make audio and video
# with ffmpeg and speech with espeak-ng, and serve them through nginx as deploy/ configures it.
# Installed where we may (root with apt).
media-tools:
	@if ! command -v ffprobe >/dev/null || ! command -v espeak-ng >/dev/null || ! [ -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing ffmpeg, espeak-ng and nginx for recordings…"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg espeak-ng >/dev/null && \
	    { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null || \
	      echo "nginx could not be installed: the test of recordings behind nginx is skipped."; }; \
	  else \
	    echo "ffmpeg/espeak-ng/nginx are not installed (apt-get install ffmpeg espeak-ng nginx-light): recording lengths come from the browser and the tests that need them are skipped."; \
	  fi; \
	fi

# The R example of docs/api.md runs where R and httr2 are installed; install them likewise.
r-httr2:
	@if ! command -v Rscript >/dev/null || ! Rscript -e 'library(httr2); library(jsonlite)' >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing R with httr2 for the API guide's example…"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      r-base-core r-cran-httr2 r-cran-jsonlite >/dev/null; \
	  else \
	    echo "R with httr2 is not installed: the R example of docs/api.md will be skipped."; \
	  fi; \
	fi

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) build *.egg-info
