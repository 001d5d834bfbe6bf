"""``kabar publish`` (many texts, one bump at the end) and the page cache's hit rate in the admin."""

from __future__ import annotations

import pagecache_support
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from factories import make_article, make_text

from kabar.news.models import ArticleText
from kabar.pagecache import receivers, store, tasks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache")]
page_cache, newsroom = pagecache_support.page_cache, pagecache_support.newsroom


@pytest.fixture
def bumps(monkeypatch) -> list[set[str]]:
    """Every call of after_bump (the one place tags are bumped, the CDN purged and files queued)."""
    seen: list[set[str]] = []
    real = tasks.after_bump

    def spy(tags: set[str]) -> None:
        seen.append(set(tags))
        real(tags)

    monkeypatch.setattr(tasks, "after_bump", spy)
    return seen


@pytest.fixture
def drafts(newsroom):
    """Three unpublished Indonesian machine translations (two sections), one whose QA failed."""
    made = {
        "summit_id": make_text(newsroom["summit"], "id", title="KTT dibuka", is_published=False),
        "match_id": make_text(newsroom["match"], "id", title="Tim menang", is_published=False),
    }
    extra = make_article(outlet=newsroom["outlet"], section=newsroom["world"], authors=[newsroom["lan"]])
    made["failed_qa"] = make_text(extra, "id", title="Gagal QA", is_published=False, qa_passed=False)
    return made


def test_publish_saves_every_text_and_bumps_the_tags_once(client, newsroom, drafts, bumps, capsys):
    client.get("/id/")  # stored before: must be stale after the publish
    call_command("publish", "--language", "id", "--chunk", "1")  # one transaction per text, one bump
    assert len(bumps) == 1
    (tags,) = bumps
    summit, match = newsroom["summit"], newsroom["match"]
    assert {f"article:{summit.pk}", f"article:{match.pk}", "home:id"} <= tags
    assert {f"section:{newsroom['world'].pk}:id", f"section:{newsroom['sport'].pk}:id"} <= tags
    published = ArticleText.objects.filter(language="id", is_published=True)
    assert set(published.values_list("title", flat=True)) == {"KTT dibuka", "Tim menang"}
    assert all(t.published_at is not None for t in published)
    out = capsys.readouterr().out
    assert "published 2 text(s) (id: 2)" in out and "1 left unpublished, their QA failed" in out
    assert "KTT dibuka" in client.get("/id/").content.decode()


def test_publish_by_section_and_dry_run(newsroom, drafts, bumps, capsys):
    call_command("publish", "--section", "the-thao", "--language", "id", "--dry-run")
    assert "would publish 1 text(s) (id: 1)" in capsys.readouterr().out
    assert bumps == [] and not ArticleText.objects.filter(language="id", is_published=True).exists()
    call_command("publish", "--section", "the-thao", "--include-failed-qa")
    assert list(
        ArticleText.objects.filter(language="id", is_published=True).values_list("title", flat=True)
    ) == ["Tim menang"]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        ([], "or pass --all-unpublished"),
        (["--section", "nowhere"], "no section nowhere"),
        (["--language", "fr"], "no language fr (site languages: en, id, vi)"),
        (["--language", "vi", "--files"], "set KABAR_STATIC_PUBLISH_DIR"),
    ],
)
def test_publish_misuse_exits_2_saying_what_to_pass(newsroom, argv, says, settings):
    settings.STATIC_PUBLISH_DIR = ""
    with pytest.raises(CommandError) as raised:
        call_command("publish", *argv)
    assert raised.value.returncode == 2 and says in str(raised.value)


def test_all_unpublished_publishes_everything_waiting(newsroom, drafts, bumps):
    call_command("publish", "--all-unpublished")
    assert ArticleText.objects.filter(is_published=False).count() == 1  # the failed QA one
    assert len(bumps) == 1


def test_files_rewrites_the_pages_of_texts_already_published(newsroom, bumps, settings, tmp_path):
    settings.STATIC_PUBLISH_DIR = str(tmp_path / "published")
    call_command("publish", "--language", "vi", "--section", "the-gioi", "--files")
    (tags,) = bumps
    assert f"article:{newsroom['summit'].pk}" in tags and "home:vi" in tags
    # The immediate task backend ran publish_pages with those tags: the files are there.
    assert (tmp_path / "published" / "vi" / "2025" / "10" / "hoi-nghi-khai-mac" / "index.html").is_file()
    assert (tmp_path / "published" / "vi" / "index.html").is_file()


def test_deferred_blocks_nest_and_bump_once_even_after_a_failure(newsroom, bumps):
    text = newsroom["summit_vi"]
    with pytest.raises(RuntimeError), receivers.deferred():
        with receivers.deferred():
            text.title = "Một"
            text.save()
        raise RuntimeError("part way")
    assert len(bumps) == 1 and f"article:{newsroom['summit'].pk}" in bumps[0]


def test_the_admin_shows_the_hit_rate_kabar_stats_shows(client, newsroom, capsys):
    store.reset_totals()
    for _ in range(4):
        client.get("/vi/")  # one miss, three hits: 75 %
    call_command("stats")
    assert "hit rate: 75.0%" in capsys.readouterr().out
    admin = get_user_model().objects.create_superuser("boss", "boss@kabar.invalid", "pw-long-enough-1")
    client.force_login(admin)
    index = client.get("/admin/").content.decode()
    assert "/admin/pagecache/pagecachestats/" in index
    page = client.get("/admin/pagecache/pagecachestats/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hit rate: 75.0% of 4 pages asked for" in html
    assert "answered from the page cache" in html and 'class="hit">3<' in html
    assert client.get("/admin/pagecache/pagecachestats/1/change/").status_code == 404  # no rows
    vietnamese = client.get("/admin/pagecache/pagecachestats/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert (
        'lang="vi"' in vietnamese and "answered from the page cache" not in vietnamese
    )  # the site catalog's


def test_staff_without_the_view_permission_do_not_see_it(client):
    editor = get_user_model().objects.create_user("ed", password="pw-long-enough-1", is_staff=True)
    client.force_login(editor)
    assert client.get("/admin/pagecache/pagecachestats/").status_code == 403


def test_a_publish_task_leaves_the_tags_bumped_again_to_the_later_task(
    newsroom, settings, tmp_path, monkeypatch
):
    from kabar.pagecache import static_publish
    from kabar.pagecache import versions as tag_versions

    settings.STATIC_PUBLISH_DIR = str(tmp_path / "published")
    article = f"article:{newsroom['summit'].pk}"
    first = tag_versions.bump({article, "home:vi"})
    tag_versions.bump({"home:vi"})  # a later edit: its own task renders the home page
    rendered: list[str] = []
    monkeypatch.setattr(static_publish, "publish", lambda path, client=None: rendered.append(path) or True)
    counts = static_publish.publish_pages.call([article, "home:vi"], first)
    assert counts["superseded"] == 1 and "/vi/" not in rendered
    assert newsroom["summit_vi_url"] in rendered
    rendered.clear()
    static_publish.publish_pages.call(
        [article, "home:vi"]
    )  # without versions (queued by an older kabar): all
    assert "/vi/" in rendered


def test_a_tag_evicted_and_given_a_version_by_a_read_is_not_superseded():
    from django.core.cache import cache

    from kabar.pagecache import versions as tag_versions

    first = tag_versions.bump({"home:vi", "home:en"})
    cache.delete(tag_versions.key("home:vi"))  # evicted…
    tag_versions.current(["home:vi"])  # …and given a version by a reader's request: no task follows
    tag_versions.bump({"home:en"})
    assert tag_versions.bumped_since(first) == {"home:en"}
