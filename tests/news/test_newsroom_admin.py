"""The newsroom admin: lists and forms render, and an editor can add a human translation from the article page."""

import datetime as dt

import pytest

from kabar.news.models import Article, ArticleText, Outlet, Section, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    outlet = Outlet.objects.create(
        name="Báo Thử", slug="bao-thu", home_url="https://thu.example", language="vi"
    )
    Source.objects.create(outlet=outlet, kind="feed", url="https://thu.example/rss.xml")
    section = Section.objects.create(slug="thoi-su", names={"vi": "Thời sự", "en": "News"})
    art = Article.objects.create(
        outlet=outlet,
        section=section,
        source_url="https://thu.example/a.html",
        source_language="vi",
        published_at=dt.datetime(2025, 10, 12, 8, 0, tzinfo=dt.UTC),
    )
    ArticleText.objects.create(
        article=art,
        language="vi",
        title="Tiêu đề",
        slug="tieu-de",
        status="original",
        blocks=[{"type": "paragraph", "text": "Đoạn một."}],
    )
    return art


@pytest.mark.parametrize(
    "url",
    [
        "/admin/news/outlet/",
        "/admin/news/source/",
        "/admin/news/section/",
        "/admin/news/author/",
        "/admin/news/article/",
        "/admin/news/articletext/",
        "/admin/ingest/ingestfailure/",
    ],
)
def test_admin_lists_render(admin_client, article, url):
    assert admin_client.get(url).status_code == 200


def inline_form_data(article, response):
    """The change form's current values, as the browser would post them back."""
    form = response.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["published_at_0"], data["published_at_1"] = "2025-10-12", "08:00:00"
    data["authors"] = []
    for formset in response.context["inline_admin_formsets"]:
        fs = formset.formset
        data.update(
            {
                f"{fs.prefix}-TOTAL_FORMS": str(len(fs.forms)),
                f"{fs.prefix}-INITIAL_FORMS": str(len(fs.forms)),
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
    return {k: v for k, v in data.items() if v is not None}


def test_an_editor_adds_a_human_translation_from_the_article_page(admin_client, admin_user, article):
    # The inline links each missing language to the translation editor (kabar.translation.human_editor).
    page = admin_client.get(f"/admin/news/article/{article.pk}/change/").content.decode()
    add = f"/admin/news/articletext/add/?article={article.pk}&amp;language=en"
    assert add in page and 'name="texts-0-blocks"' not in page
    data = {"language": "en", "title": "Headline", "b0": "Paragraph one.", "is_published": "on"}
    response = admin_client.post(add.replace("&amp;", "&"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    text = article.texts.get(language="en")
    assert text.status == "human" and text.editor == admin_user and text.translated_from == "vi"
    assert text.blocks == [{"type": "paragraph", "text": "Paragraph one."}] and text.slug == "headline"


def test_bad_blocks_are_refused_in_the_admin_with_the_schema_message(admin_client, article):
    url = f"/admin/news/articletext/{article.original.pk}/change/"  # an original keeps the model form
    data = change_form_data(admin_client.get(url))
    data["blocks"] = '[{"type": "image"}]'
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "block 0 (image): &#x27;src&#x27; is a required property" in response.content.decode()


@pytest.fixture
def machine_text(article):
    return ArticleText.objects.create(
        article=article,
        language="en",
        title="Machine headline",
        slug="machine-headline",
        status="machine",
        engine="ctranslate2",
        blocks=[{"type": "paragraph", "text": "Machine paragraph."}],
    )


def change_form_data(response):
    """The ArticleText change form's current values, as the browser would post them back."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "true" if value is True else value
    return data


def test_editing_a_machine_text_inline_makes_it_post_edited(admin_client, admin_user, article, machine_text):
    url = f"/admin/news/article/{article.pk}/change/"
    data = inline_form_data(article, admin_client.get(url))
    index = next(i for i in range(2) if data.get(f"texts-{i}-id") == machine_text.pk)
    data[f"texts-{index}-title"] = "A person's headline"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    machine_text.refresh_from_db()
    assert machine_text.title == "A person's headline" and machine_text.status == "post-edited"
    assert machine_text.editor == admin_user and machine_text.translated_from == "vi"
    assert article.original.editor is None  # the untouched original is nobody's edit


def test_editing_a_machine_text_on_its_own_page_makes_it_post_edited(admin_client, admin_user, machine_text):
    url = f"/admin/news/articletext/{machine_text.pk}/change/"
    data = change_form_data(admin_client.get(url))
    data["blocks"] = '[{"type": "paragraph", "text": "A person\'s paragraph."}]'

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    machine_text.refresh_from_db()
    assert machine_text.blocks == [{"type": "paragraph", "text": "A person's paragraph."}]
    assert machine_text.status == "post-edited"
    assert machine_text.editor == admin_user and machine_text.translated_from == "vi"


def test_a_status_chosen_on_the_text_page_is_kept(admin_client, admin_user, machine_text):
    url = f"/admin/news/articletext/{machine_text.pk}/change/"
    data = change_form_data(admin_client.get(url))
    data["title"], data["status"] = "Rewritten by a person", "human"

    assert admin_client.post(url, data).status_code == 302

    machine_text.refresh_from_db()
    assert machine_text.status == "human" and machine_text.editor == admin_user


def test_an_original_edited_on_its_page_is_not_credited_as_a_translation(admin_client, article):
    original = article.original
    url = f"/admin/news/articletext/{original.pk}/change/"
    data = change_form_data(admin_client.get(url))
    data["title"] = "Tiêu đề đã sửa"

    assert admin_client.post(url, data).status_code == 302

    original.refresh_from_db()
    assert original.title == "Tiêu đề đã sửa" and original.status == "original"
    assert original.editor is None and original.translated_from == ""


def test_only_superusers_point_sources_at_server_files_or_private_addresses(client, article):
    from django.contrib.auth.models import Permission, User

    staff = User.objects.create_user("editor", password="pw", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(codename__in=["add_source", "change_source", "view_source"])
    )
    client.force_login(staff)
    form = client.get("/admin/news/source/add/").content.decode()
    assert 'value="feed"' in form and 'value="file"' not in form and 'value="capture"' not in form
    assert 'name="allow_private"' not in form
    outlet = article.outlet
    base = {
        "outlet": outlet.pk,
        "url": "/etc",
        "schedule_minutes": "30",
        "enabled": "on",
        "allow_private": "on",
    }
    response = client.post("/admin/news/source/add/", {**base, "kind": "file"})
    assert response.status_code == 200 and not Source.objects.filter(url="/etc").exists()
    response = client.post("/admin/news/source/add/", {**base, "kind": "feed", "url": "http://10.0.0.1/rss"})
    assert response.status_code == 200, "the switch is not theirs to set, so the private address is refused"
    assert "10.0.0.1 is a private address" in response.content.decode()
    assert not Source.objects.filter(url="http://10.0.0.1/rss").exists()


def test_superusers_may_add_server_side_sources(admin_client, article, tmp_path):
    data = {"outlet": article.outlet.pk, "kind": "capture", "url": str(tmp_path), "schedule_minutes": "0"}
    assert admin_client.post("/admin/news/source/add/", {**data, "allow_private": "on"}).status_code == 302
    assert Source.objects.get(url=str(tmp_path)).allow_private is True
