# kabar — two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck messages clean-venv

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install -q -e ".[test,scale]"
	touch $(STAMP)

messages: $(STAMP)
	@command -v msgfmt >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null)
	cd src/kabar && ../../$(VENV)/bin/django-admin compilemessages -v 0

# `make demo PORT=8080 OUTLET_PORT=8766` when 8000 or 8765 is taken. The clone keeps its
# data in ./var (kabar's own default is the per-user ~/.local/share/kabar).
PORT ?= 8000
OUTLET_PORT ?= 8765
KABAR_DATA_DIR ?= $(CURDIR)/var
demo: $(STAMP) messages
	KABAR_DATA_DIR="$(KABAR_DATA_DIR)" $(VENV)/bin/kabar demo --port "$(PORT)" --outlet-port "$(OUTLET_PORT)"

chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# For `python -m kabar.bench.pages` (it runs nginx itself on a loopback port; Debian's package
# may also start a system nginx on port 80 where an init system runs).
wrk-nginx:
	@(command -v wrk && (command -v nginx || test -x /usr/sbin/nginx)) >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx >/dev/null)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/mypy src/kabar

# The whole suite on SQLite; then, when CI names a PostgreSQL server (and Redis), again every
# test module whose queries, transactions, locks or Redis use could differ there. Left out of the
# second pass: pages whose rendering and markup are tested once (body, compare, structured data,
# icons, feeds' autodiscovery), the browser tests, and the OpenAPI property run.
# Both passes use the two cores, one test module per worker (module fixtures load the demo once).
PYTEST_WORKERS ?= 2
XDIST := -n $(PYTEST_WORKERS) --dist loadfile
DB_TESTS := tests/news tests/newsroom tests/ingest tests/translation tests/stories tests/search \
  tests/api tests/webhooks tests/comments tests/test_settings.py tests/deploy \
  tests/demo/test_demo_load.py tests/demo/test_demo_stories.py \
  tests/syndication/test_feeds.py tests/syndication/test_sitemaps.py \
  tests/site/test_article_page.py tests/site/test_listing_pages.py tests/site/test_keyset_pagination.py \
  tests/site/test_page_cache.py tests/site/test_render_cost.py tests/site/test_search_page.py \
  tests/site/test_story_page.py tests/site/test_reader_navigation.py tests/site/test_republished_credit.py \
  tests/site/test_http_caching.py tests/site/test_pagecache_wsgi.py
test: $(STAMP) messages chromium wrk-nginx lint
	env -u KABAR_TEST_DATABASE_URL -u KABAR_TEST_REDIS_URL $(VENV)/bin/pytest $(XDIST)
	@if [ -n "$$KABAR_TEST_DATABASE_URL" ]; then \
	  echo "== again on $$KABAR_TEST_DATABASE_URL"; \
	  $(VENV)/bin/pytest $(XDIST) -m "not browser" --ignore=tests/api/test_api_schemathesis.py $(DB_TESTS); \
	fi
