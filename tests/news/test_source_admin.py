"""The Source admin as staff and superusers use it: private access, validation at save, "Poll now".

Every test drives the real admin views with real logins and permissions; the polls run
through ``poll_source`` on the in-process task backend, against loopback servers the
tests start on ephemeral ports.
"""

from __future__ import annotations

import http.server
import ipaddress
import threading
from collections.abc import Iterator

import httpcore
import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.test import Client

from kabar.core.fetch import ssrf
from kabar.demo import OUTLET_BASE, OUTLET_DIR
from kabar.demo.server import OutletServer
from kabar.ingest.models import IngestFailure
from kabar.ingest.service import shared_fetcher
from kabar.ingest.tasks import poll_source
from kabar.news.models import Article, Outlet, Source

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.215.14"
PAGE = "du-lich/cung-duong-di-bo-xuyen-doi-che.html"
SECRET_PAGE = "du-lich/le-hoi-den-long-tren-song-van.html"


class SecretServer:
    """An internal page no reader may see, on loopback; remembers every request that reached it."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        requests = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                base = f"http://127.0.0.1:{self.server.server_address[1]}"
                body = (OUTLET_DIR / SECRET_PAGE).read_bytes().replace(OUTLET_BASE.encode(), base.encode())
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/secret"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def secret() -> Iterator[SecretServer]:
    server = SecretServer()
    yield server
    server.stop()


@pytest.fixture
def outlet_server() -> Iterator[OutletServer]:
    with OutletServer() as server:
        yield server


@pytest.fixture
def dns(monkeypatch, settings) -> dict[str, str]:
    """Names the tests invent, resolved without the network; edit the dict to change an answer.

    Both the save-time check and the poll's fetcher use ``ssrf.system_resolver``, so a
    name can resolve to one address when saved and another when polled (DNS rebinding).
    """
    names = {"thu.example": PUBLIC, "news.example": PUBLIC}

    def resolve(host: str, port: int) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        if host not in names:
            raise httpcore.ConnectError(f"cannot resolve {host}: unknown name")
        return [names[host]]

    monkeypatch.setattr(ssrf, "system_resolver", resolve)
    settings.FETCH = {**settings.FETCH, "host_delay": 0.0, "timeout": 5.0}
    shared_fetcher.cache_clear()  # fetchers built before the patch keep the real resolver
    yield names
    shared_fetcher.cache_clear()


@pytest.fixture
def outlet() -> Outlet:
    return Outlet.objects.create(
        name="Báo Thử", slug="bao-thu", home_url="https://thu.example", language="vi"
    )


@pytest.fixture
def approved(outlet, outlet_server, admin_user) -> Source:
    """The demo's kind of source: an outlet on loopback, private access approved by a superuser."""
    source = Source(outlet=outlet, kind="url", url=f"{outlet_server.url}/{PAGE}", schedule_minutes=0)
    source.grant_private_access(by=admin_user)
    source.save()
    return source


def staff_client(*codenames: str, app_label: str = "news") -> Client:
    user = User.objects.create_user("staff-editor", password="unused", is_staff=True)
    permissions = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    assert sorted(p.codename for p in permissions) == sorted(codenames)
    user.user_permissions.set(permissions)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff() -> Client:
    return staff_client("add_source", "change_source", "view_source")


def form_data(response) -> dict[str, object]:
    """The change form's current values, as the browser would post them back."""
    form = response.context["adminform"].form
    data: dict[str, object] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def secret_articles(secret: SecretServer) -> int:
    return Article.objects.filter(source_url__contains=f":{secret.port}/").count()


# --- the SSRF route: a staff editor re-points an approved source --------------------------------


def test_staff_cannot_repoint_an_approved_source_at_a_loopback_page(staff, approved, secret, dns):
    url = f"/admin/news/source/{approved.pk}/change/"
    data = {**form_data(staff.get(url)), "kind": "url", "url": secret.url}

    response = staff.post(url, data)

    assert response.status_code == 200, "refused at save"
    assert "127.0.0.1 is a loopback address" in response.content.decode()
    poll_source.enqueue(approved.pk)
    assert secret.requests == [], "nothing reached the internal server"
    assert secret_articles(secret) == 0
    approved.refresh_from_db()
    assert approved.url.endswith(PAGE) and approved.private_access_granted()


def test_a_staff_change_of_url_switches_private_access_off_so_a_rebound_name_is_refused(
    staff, approved, secret, dns
):
    url = f"/admin/news/source/{approved.pk}/change/"
    repointed = f"http://news.example:{secret.port}/secret"
    data = {**form_data(staff.get(url)), "kind": "url", "url": repointed}

    response = staff.post(url, data, follow=True)  # news.example is public when saved

    assert response.redirect_chain, response.context["errors"] if response.context else response
    assert any("Private access was switched off" in m for m in messages_of(response))
    approved.refresh_from_db()
    assert approved.url == repointed and approved.allow_private is False
    assert approved.private_access_by is None and approved.private_access_target == ""

    dns["news.example"] = "127.0.0.1"  # ...and points at the internal server when polled
    summary = poll_source.enqueue(approved.pk).return_value

    assert secret.requests == [] and secret_articles(secret) == 0
    assert summary["failed"] and "loopback" in summary["failed"][0]["reason"]
    assert IngestFailure.objects.filter(url=repointed, reason__contains="loopback").exists()


def test_a_staff_change_of_the_schedule_keeps_the_approval(staff, approved, dns):
    url = f"/admin/news/source/{approved.pk}/change/"
    data = {**form_data(staff.get(url)), "schedule_minutes": "15"}

    assert staff.post(url, data).status_code == 302

    approved.refresh_from_db()
    assert approved.schedule_minutes == 15 and approved.private_access_granted()


def test_staff_cannot_type_an_approval_into_the_form(staff, approved, admin_user, outlet):
    form = staff.get("/admin/news/source/add/").content.decode()
    assert 'name="private_access_by"' not in form and 'name="private_access_at"' not in form
    assert 'name="private_access_target"' not in form


# --- approvals: recorded by the admin, re-checked by every poll -----------------------------------


def test_a_superusers_tick_records_the_approval(admin_client, admin_user, outlet, outlet_server, dns):
    location = f"{outlet_server.url}/{PAGE}"
    data = {"outlet": outlet.pk, "kind": "url", "url": location, "schedule_minutes": "0", "enabled": "on"}

    unticked = admin_client.post("/admin/news/source/add/", data)
    assert unticked.status_code == 200
    assert "loopback address" in unticked.content.decode() and "Allow private" in unticked.content.decode()

    response = admin_client.post("/admin/news/source/add/", {**data, "allow_private": "on"}, follow=True)

    assert any("Private access approved" in m for m in messages_of(response))
    source = Source.objects.get(url=location)
    assert source.private_access_by == admin_user and source.private_access_at is not None
    assert source.private_access_target == f"url outlet={outlet.pk} by=user:{admin_user.pk} {location}"
    assert source.private_access_granted()
    assert poll_source.enqueue(source.pk).return_value["new"] == 1, "the approved outlet is polled"


def test_a_superuser_can_switch_private_access_off(admin_client, approved, dns):
    url = f"/admin/news/source/{approved.pk}/change/"
    data = form_data(admin_client.get(url))
    del data["allow_private"]

    assert admin_client.post(url, data).status_code == 302, "the loopback URL does not block switching off"

    approved.refresh_from_db()
    assert approved.allow_private is False and approved.private_access_by is None
    assert approved.private_access_target == ""


def test_a_change_made_outside_the_admin_does_not_inherit_private_access(approved, secret, dns):
    Source.objects.filter(pk=approved.pk).update(kind="url", url=secret.url)  # shell, bulk update, API

    summary = poll_source.enqueue(approved.pk).return_value

    assert secret.requests == [] and secret_articles(secret) == 0
    assert "loopback" in summary["failed"][0]["reason"]
    assert not Source.objects.get(pk=approved.pk).private_access_granted()


@pytest.mark.parametrize("change", ["demoted", "deactivated", "deleted"])
def test_an_approval_lasts_only_while_its_approver_is_an_active_superuser(
    change, approved, admin_user, secret, dns
):
    Source.objects.filter(pk=approved.pk).update(url=secret.url)
    approved.refresh_from_db()
    approved.grant_private_access(by=admin_user)  # approved for the internal page itself
    approved.save()
    if change == "deleted":
        admin_user.delete()  # the approval's user becomes NULL: it must not pass for the operator's
    else:
        setattr(admin_user, "is_superuser" if change == "demoted" else "is_active", False)
        admin_user.save()

    poll_source.enqueue(approved.pk)

    assert secret.requests == []
    assert not Source.objects.get(pk=approved.pk).private_access_granted()


def test_ticking_the_flag_alone_approves_nothing(outlet, secret, dns):
    source = Source.objects.create(outlet=outlet, kind="url", url=secret.url, allow_private=True)

    poll_source.enqueue(source.pk)

    assert secret.requests == [] and "never approved" in (source.private_access_problem() or "")


def test_the_operator_approves_without_a_user(outlet, outlet_server, dns):
    source = Source(outlet=outlet, kind="url", url=f"{outlet_server.url}/{PAGE}")
    source.grant_private_access(by=None)
    source.save()

    assert source.private_access_granted()
    assert poll_source.enqueue(source.pk).return_value["new"] == 1


def test_only_an_active_superuser_can_be_recorded_as_approver(outlet):
    editor = User.objects.create_user("someone", is_staff=True)
    with pytest.raises(PermissionError):
        Source(outlet=outlet, kind="feed", url="https://thu.example/rss.xml").grant_private_access(by=editor)


# --- the inline on the Outlet page has the same protections ---------------------------------------


def outlet_form_data(response) -> dict[str, object]:
    data = {k: v for k, v in form_data(response).items() if k != "logo"}
    for formset in response.context["inline_admin_formsets"]:
        fs = formset.formset
        data.update(
            {
                f"{fs.prefix}-TOTAL_FORMS": str(len(fs.forms)),
                f"{fs.prefix}-INITIAL_FORMS": str(fs.initial_form_count()),
                f"{fs.prefix}-MIN_NUM_FORMS": "0",
                f"{fs.prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        for i, f in enumerate(fs.forms):
            for name in f.fields:
                value = f[name].value()
                if value is None or value is False:
                    continue
                data[f"{fs.prefix}-{i}-{name}"] = "on" if value is True else value
    return data


@pytest.fixture
def outlet_staff() -> Client:
    return staff_client("change_outlet", "view_outlet", "add_source", "change_source", "view_source")


def test_the_outlet_inline_refuses_a_loopback_url_from_staff(outlet_staff, approved, secret, dns):
    url = f"/admin/news/outlet/{approved.outlet_id}/change/"
    data = {**outlet_form_data(outlet_staff.get(url)), "sources-0-kind": "url", "sources-0-url": secret.url}

    response = outlet_staff.post(url, data)

    assert response.status_code == 200 and "127.0.0.1 is a loopback address" in response.content.decode()
    poll_source.enqueue(approved.pk)
    assert secret.requests == []


def test_the_outlet_inline_switches_private_access_off_when_staff_repoint(outlet_staff, approved, dns):
    url = f"/admin/news/outlet/{approved.outlet_id}/change/"
    data = {**outlet_form_data(outlet_staff.get(url)), "sources-0-url": "https://news.example/page.html"}

    response = outlet_staff.post(url, data, follow=True)

    assert response.redirect_chain, response.context["errors"] if response.context else response
    assert any("Private access was switched off" in m for m in messages_of(response))
    approved.refresh_from_db()
    assert approved.allow_private is False and approved.private_access_at is None


def test_the_outlet_inline_records_a_superusers_approval(
    admin_client, admin_user, outlet, outlet_server, dns
):
    url = f"/admin/news/outlet/{outlet.pk}/change/"
    location = f"{outlet_server.url}/rss.xml"
    data = {
        **outlet_form_data(admin_client.get(url)),
        "sources-TOTAL_FORMS": "1",
        "sources-0-kind": "feed",
        "sources-0-url": location,
        "sources-0-schedule_minutes": "0",
        "sources-0-enabled": "on",
        "sources-0-allow_private": "on",
    }

    assert admin_client.post(url, data).status_code == 302

    source = Source.objects.get(url=location)
    assert source.private_access_by == admin_user and source.private_access_granted()


def test_the_outlet_inline_refuses_two_rows_with_the_same_location(admin_client, outlet, dns):
    url = f"/admin/news/outlet/{outlet.pk}/change/"
    data = {**outlet_form_data(admin_client.get(url)), "sources-TOTAL_FORMS": "2"}
    for i, location in enumerate(["https://thu.example/rss.xml", "HTTPS://THU.example:443/rss.xml"]):
        data.update(
            {f"sources-{i}-kind": "feed", f"sources-{i}-url": location, f"sources-{i}-schedule_minutes": "0"}
        )

    response = admin_client.post(url, data)

    assert response.status_code == 200 and "The same feed as row 1" in response.content.decode()
    assert not Source.objects.exists()


# --- validation at save ---------------------------------------------------------------------------


def add_source(client: Client, outlet: Outlet, **fields: str):
    data = {"outlet": outlet.pk, "kind": "feed", "schedule_minutes": "30", "enabled": "on", **fields}
    return client.post("/admin/news/source/add/", data)


def test_a_mistyped_scheme_is_a_field_error_naming_the_accepted_ones(admin_client, outlet, dns):
    response = add_source(admin_client, outlet, url="htp://thu.example/rss.xml")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["url"]
    assert errors == [
        "Enter an http:// or https:// URL: the scheme 'htp' is not accepted for a feed, sitemap or single URL."
    ]
    assert not Source.objects.exists()


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("http://127.0.0.1:8000/rss.xml", "127.0.0.1 is a loopback address"),
        ("http://[::ffff:10.1.2.3]/rss.xml", "::ffff:a01:203 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
        ("http://intranet.example/rss.xml", "intranet.example resolves to 192.168.1.5, a private address"),
    ],
)
def test_private_addresses_are_refused_without_a_superusers_approval(staff, outlet, dns, location, reason):
    dns["intranet.example"] = "192.168.1.5"
    response = add_source(staff, outlet, url=location)
    assert response.status_code == 200
    assert reason in response.context["adminform"].form.errors["url"][0]
    assert not Source.objects.exists()


def test_metadata_stays_refused_even_with_a_superusers_tick(admin_client, outlet, dns):
    response = add_source(admin_client, outlet, url="http://169.254.169.254/", allow_private="on")
    assert response.status_code == 200 and not Source.objects.exists()


def test_a_duplicate_source_is_refused_with_a_link_to_the_existing_one(staff, outlet, dns):
    existing = Source.objects.create(outlet=outlet, kind="feed", url="https://thu.example/rss.xml")

    response = add_source(staff, outlet, url="HTTPS://Thu.Example:443/rss.xml#top")

    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/admin/news/source/{existing.pk}/change/"' in page and "Báo Thử" in page
    assert Source.objects.count() == 1
    assert add_source(staff, outlet, url="https://thu.example/rss.xml", kind="sitemap").status_code == 302


def test_an_unresolvable_host_is_saved_with_a_warning(staff, outlet, dns):
    response = staff.post(
        "/admin/news/source/add/",
        {
            "outlet": outlet.pk,
            "kind": "feed",
            "url": "https://typo.example/rss.xml",
            "schedule_minutes": "30",
        },
        follow=True,
    )
    assert any("cannot resolve typo.example" in m for m in messages_of(response))
    assert Source.objects.filter(url="https://typo.example/rss.xml").exists()


def test_a_file_source_must_name_an_existing_path(admin_client, outlet, tmp_path):
    missing = tmp_path / "nowhere"
    response = add_source(admin_client, outlet, kind="file", url=str(missing))
    assert response.context["adminform"].form.errors["url"] == [
        f"No such file or folder on the server: {missing}"
    ]
    assert add_source(admin_client, outlet, kind="file", url=str(tmp_path)).status_code == 302


# --- Poll now -------------------------------------------------------------------------------------


def test_poll_now_runs_each_enabled_source_and_says_what_it_did(staff, approved, outlet, dns):
    disabled = Source.objects.create(
        outlet=outlet, kind="feed", url="https://thu.example/off.xml", enabled=False
    )
    response = staff.post(
        "/admin/news/source/",
        {"action": "poll_now", "_selected_action": [approved.pk, disabled.pk]},
        follow=True,
    )
    said = messages_of(response)
    assert f"Polled 1 source now: {approved}: 1 new, 0 updated, 0 unchanged, 0 duplicate, 0 failed; images: 0 attached, 1 pending, 0 failed" in said
    assert f"Skipped 1 disabled source: {disabled}" in said
    assert Article.objects.count() == 1


def test_poll_now_on_a_queueing_backend_says_queued(staff, approved, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "fetch"]}
    }
    response = staff.post(
        "/admin/news/source/", {"action": "poll_now", "_selected_action": [approved.pk]}, follow=True
    )
    assert any(m.startswith(f"Queued 1 source for polling: {approved}.") for m in messages_of(response))
    assert Article.objects.count() == 0, "queued, not run"


def test_poll_now_on_outlets_polls_their_sources(outlet_staff, approved, dns):
    response = outlet_staff.post(
        "/admin/news/outlet/",
        {"action": "poll_sources", "_selected_action": [approved.outlet_id]},
        follow=True,
    )
    assert any(m.startswith("Polled 1 source now") for m in messages_of(response))


def test_poll_now_needs_change_source(approved):
    viewer = staff_client("view_source", "view_outlet", "change_outlet")
    assert "poll_now" not in viewer.get("/admin/news/source/").content.decode()
    assert "poll_sources" not in viewer.get("/admin/news/outlet/").content.decode()
    viewer.post("/admin/news/source/", {"action": "poll_now", "_selected_action": [approved.pk]})
    assert Article.objects.count() == 0
