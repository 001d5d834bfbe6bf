"""The admin speaks the editor's language: every kabar screen in vi, en and id, with no leftovers.

One superuser walks the admin index, each kabar model's list and add page, an article's page and
kabar's own screens (translation matrix, segment editor, the new API key and webhook secret pages)
in each language, chosen as an editor does (the language cookie that the header's chooser sets).
The words that must not show come from the site catalog itself: in vi and id, any English word
of kabar's msgids that the language's own translations never use; in English, Vietnamese letters
and the Indonesian words of the id catalog. Only labels are read (headers, breadcrumbs, column
heads, field labels, help, filter titles, actions, buttons), never the rows' data.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from lxml import html

import kabar
from kabar.api.models import ApiKey
from kabar.ingest.models import IngestFailure
from kabar.news.models import (
    Article,
    ArticleAlias,
    ArticleRevision,
    ArticleText,
    Author,
    Media,
    Outlet,
    Section,
    SectionMapping,
    Source,
    Story,
)
from kabar.newsroom.models import TranslatorProfile
from kabar.stories.models import StoryMembership
from kabar.translation.models import GlossaryTerm, TMEntry
from kabar.webhooks.models import Delivery, Subscription

CATALOGS = Path(kabar.__file__).parent / "locale"
# Apps whose admin other work owns and translates in its own catalog (none now: comments has its
# catalog in kabar/comments/locale, and its screens are checked like the others).
NOT_CHECKED_APPS: set[str] = set()
KABAR_APPS = {config.label for config in apps.get_app_configs() if config.name.startswith("kabar.")}

# The labels of a page, never its data: rows, object titles and values stay out.
LABELS = (
    "//div[@id='site-name'] | //h1 | //h2 | //div[contains(@class,'breadcrumbs')]"
    " | //thead//th | //label | //legend | //caption | //div[@id='content-main']//table//th[@scope='row']"
    " | //nav[@id='changelist-filter']//h3 | //nav[@id='changelist-filter']//summary"
    " | //select[@name='action']/option | //*[contains(concat(' ', @class, ' '), ' help ')]"
    " | //ul[contains(@class,'object-tools')]//a | //div[contains(@class,'submit-row')]//*[self::a or self::button]"
    " | //ul[contains(@class,'messagelist')]/li | //p[@class='paginator']"
)
WORD = re.compile(r"[^\W\d_]{3,}")
VIETNAMESE_LETTERS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]")


# Not words of a language: placeholders, markup, codes such as article.published, quoted examples.
NOT_WORDS = re.compile(r"%\(\w+\)[sd]|<[^>]+>|&\w+;|\b\w+\.\w+\b|\"[^\"]*\"|“[^”]*”")


def _words(texts: list[str]) -> set[str]:
    return {w.lower() for text in texts for w in WORD.findall(NOT_WORDS.sub(" ", text))}


@cache
def catalog(language: str) -> tuple[set[str], set[str]]:
    """(words of the msgids, words of the translations) of the site catalog for ``language``."""
    entries = [
        e for e in polib.pofile(str(CATALOGS / language / "LC_MESSAGES" / "django.po")) if not e.obsolete
    ]
    ids = [e.msgid for e in entries] + [e.msgid_plural for e in entries if e.msgid_plural]
    strs = [e.msgstr for e in entries] + [s for e in entries for s in e.msgstr_plural.values()]
    return _words(ids), _words(strs)


def leftovers(language: str, text: str) -> set[str]:
    """The words of ``text`` that belong to another language than ``language``."""
    english, _ = catalog("en")
    if language == "en":
        indonesian = catalog("id")[1] - english
        found = {w for w in _words([text]) if w in indonesian}
        return found | set(VIETNAMESE_LETTERS.findall(NOT_WORDS.sub(" ", text).lower()))
    return {w for w in _words([text]) if w in english - catalog(language)[1]}


def labels(response: Any) -> list[str]:
    doc = html.document_fromstring(response.content.decode())
    found = []
    for el in doc.xpath(LABELS):
        if el.xpath("ancestor-or-self::*[contains(@class,'kabar-admin-language')]"):
            continue
        if el.tag == "label":  # its own words, not the choices of a list inside it (data)
            el = html.fragment_fromstring(html.tostring(el, encoding="unicode"))
            for choice in el.xpath(".//select"):
                choice.drop_tree()
        found.append(" ".join(el.text_content().split()))
    found += [v for v in doc.xpath("//input[@type='submit']/@value")]
    return [t for t in found if t]


@pytest.fixture
def newsroom(db: None) -> dict[str, Any]:
    """One row of every kabar model the admin lists (neutral, made-up names: data is not checked)."""
    boss = User.objects.create_superuser("kappa", "kappa@example.org", "pw")
    outlet = Outlet.objects.create(name="Zeta", slug="zeta", home_url="https://zeta.example/", language="vi")
    source = Source.objects.create(outlet=outlet, kind=Source.Kind.FEED, url="https://zeta.example/rss")
    section = Section.objects.create(slug="zeta", names={"vi": "Zeta", "en": "Zeta", "id": "Zeta"})
    SectionMapping.objects.create(outlet=outlet, label="Zeta", section=section)
    author = Author.objects.create(name="Kappa", slug="kappa", outlet=outlet)
    article = Article.objects.create(
        outlet=outlet,
        section=section,
        source_url="https://zeta.example/1",
        source_language="vi",
        published_at=timezone.now(),
    )
    article.authors.set([author])
    blocks = [{"type": "paragraph", "text": "Zeta."}]
    ArticleText.objects.create(
        article=article, language="vi", status="original", title="Zeta", slug="zeta", blocks=blocks
    )
    machine = ArticleText.objects.create(
        article=article,
        language="en",
        status="machine",
        title="Zeta",
        slug="zeta",
        blocks=blocks,
        translated_from="vi",
        engine="tiny",
    )
    ArticleAlias.objects.create(article=article, url="https://zeta.example/1b", similarity=0.9)
    ArticleRevision.objects.create(article=article, content_hash="0" * 64, title="Zeta", blocks=blocks)
    Media.objects.create(article=article, url="https://zeta.example/1.jpg")
    story = Story.objects.create(labels={"vi": "Zeta"})
    StoryMembership.objects.update_or_create(article=article, defaults={"story": story})
    IngestFailure.objects.create(source=source, url="https://zeta.example/2", stage="extract", reason="Zeta")
    GlossaryTerm.objects.create(source_lang="vi", target_lang="en", term="Zeta", translation="Zeta")
    TMEntry.objects.create(
        source_hash="0" * 64,
        preferred=True,
        source_text="Zeta",
        source_lang="vi",
        target_lang="en",
        target_text="Zeta",
    )
    TranslatorProfile.objects.create(user=boss, languages=["en"])
    key = ApiKey(name="Zeta", owner=boss)
    key.set_key("kbr_zeta")
    key.save()
    subscription = Subscription.objects.create(
        name="Zeta", url="https://zeta.example/hook", allow_private=False
    )
    Delivery.objects.create(
        subscription=subscription, event_id="msg_zeta", event_type="article.published", payload={}
    )
    return {"boss": boss, "article": article, "machine": machine}


def admin_pages(newsroom: dict[str, Any]) -> list[str]:
    urls = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        if opts.app_label not in KABAR_APPS or opts.app_label in NOT_CHECKED_APPS:
            continue
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        if opts.model_name != "matrix" and model_admin.has_add_permission(_request(newsroom["boss"])):
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    urls.append(reverse("admin:news_article_change", args=[newsroom["article"].pk]))
    urls.append(reverse("admin:translation_postedit_change", args=[newsroom["machine"].pk]))
    return urls


def _request(user: User) -> HttpRequest:
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.parametrize("language", ["vi", "en", "id"])
def test_every_kabar_admin_screen_speaks_one_language(newsroom: dict[str, Any], language: str) -> None:
    client = Client()
    client.force_login(newsroom["boss"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    problems: dict[str, dict[str, set[str]]] = {}
    pages = admin_pages(newsroom)
    responses = {url: client.get(url) for url in pages}
    # The pages that answer a save: the new API key and the new webhook secret.
    responses["new API key"] = client.post(
        reverse("admin:api_apikey_add"), {"name": "Zeta", "owner": newsroom["boss"].pk, "scopes": []}
    )
    responses["new webhook secret"] = client.post(
        reverse("admin:webhooks_subscription_add"),
        {
            "name": "Zeta",
            "url": "https://93.184.215.14/hook",
            "events": ["article.published"],
            "active": "on",
        },
    )
    for where, response in responses.items():
        assert response.status_code == 200, (where, response.status_code)
        assert response["Content-Language"] == language, where
        doc = html.document_fromstring(response.content.decode())
        assert doc.xpath("string(//div[@id='site-name'])").strip() == "kabar", where
        assert doc.xpath("//div[contains(@class,'breadcrumbs')]") or where == reverse("admin:index"), where
        for text in labels(response):
            if wrong := leftovers(language, text):
                problems.setdefault(where, {})[text] = wrong
    report = [
        f"{where}: {text!r} has {sorted(wrong)}"
        for where, found in problems.items()
        for text, wrong in found.items()
    ]
    assert not report, "\n".join(report)


def test_the_header_chooser_sets_the_admin_language_and_reader_pages_ignore_it(
    newsroom: dict[str, Any],
) -> None:
    client = Client()
    login = html.document_fromstring(client.get(reverse("admin:login")).content.decode())
    assert login.xpath("//form[contains(@class,'kabar-admin-language')]//button")  # before signing in too
    client.force_login(newsroom["boss"])
    index = reverse("admin:index")
    page = html.document_fromstring(client.get(index, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    chooser = page.xpath("//form[contains(@class,'kabar-admin-language')]")[0]
    assert chooser.get("action") == reverse("set_language")
    assert sorted(chooser.xpath(".//button/@value")) == sorted(code for code, _ in settings.LANGUAGES)
    chosen = client.post(reverse("set_language"), {"language": "id", "next": index})
    assert chosen.status_code == 302 and chosen["Location"] == index
    assert chosen.cookies[settings.LANGUAGE_COOKIE_NAME].value == "id"
    again = client.get(index, HTTP_ACCEPT_LANGUAGE="en")
    assert again["Content-Language"] == "id"  # the choice wins over the browser's language
    assert html.document_fromstring(again.content.decode()).xpath("string(//h1)") == "Administrasi redaksi"
    # The reader's language is the path's: the cookie changes nothing there and nothing is set.
    reader = client.get("/vi/")
    assert reader["Content-Language"] == "vi" and not reader.cookies
