"""Republished copies: one outlet's page that republishes another outlet's article.

The page says so (``kabar.core.extract.provenance``): a "Nguồn:/Sumber:/Source:" or "Theo …"
line, a canonical link on the other outlet's site, JSON-LD ``isBasedOn``. Such a copy is the
republisher's article, at the republisher's own address, linked to the original: its
``original_url``/``original_outlet`` say where it came from, and ``republished_from`` is the
original article when kabar has it (linked whichever of the two is stored first). Who
republished it, when and in which language are the copy's own outlet, date and language.
Both belong to one story (``kabar.stories.services.assign_article``, unless an editor decided).
"""

from __future__ import annotations

import logging

from django.db.models import Q

from kabar.core.extract.provenance import names_other_site
from kabar.core.text.section_labels import fold_label
from kabar.core.types import Extracted, Provenance
from kabar.news.models import Article, ArticleAlias, Outlet

log = logging.getLogger("kabar.ingest")

URL_MAX = Article._meta.get_field("original_url").max_length or 1000
OUTLET_MAX = Article._meta.get_field("original_outlet").max_length or 200


def republication_of(doc: Extracted, outlet: Outlet) -> Provenance | None:
    """``doc``'s provenance when it names another outlet's article; None for the outlet's own.

    A source line that points at the outlet's own site (or names the outlet) is the outlet
    crediting itself, as captures of an outlet's pages do: that page is the original.
    """
    found = doc.provenance
    if found is None:
        return None
    if found.original_url:
        return found if names_other_site(found, outlet.home_url) else None
    named = fold_label(found.original_outlet)
    return found if named and named != fold_label(outlet.name) else None


def article_address(doc: Extracted, outlet: Outlet) -> str:
    """The address the article is stored under: a republished copy's own, else the one the page declares."""
    republished = republication_of(doc, outlet)
    if republished is not None and republished.page_url:
        return republished.page_url
    return doc.source_url or doc.url


def find_original(provenance: Provenance, outlet: Outlet) -> Article | None:
    """The original article when kabar has it (at its address, or an alias of it), of another outlet."""
    url = provenance.original_url
    if not url:
        return None
    found = Article.objects.filter(source_url=url).exclude(outlet=outlet).first()
    if found is None:
        alias = ArticleAlias.objects.select_related("article").filter(url=url).first()
        found = alias.article if alias is not None and alias.article.outlet_id != outlet.pk else None
    return found


def apply_provenance(article: Article, provenance: Provenance | None) -> None:
    """Record on ``article`` (not saved) what it republishes; clears it when the page names no original."""
    if provenance is None:
        article.original_url = article.original_outlet = article.provenance = ""
        article.republished_from = None
        return
    original = find_original(provenance, article.outlet)
    article.original_url = provenance.original_url[:URL_MAX]
    article.original_outlet = (provenance.original_outlet or (original.outlet.name if original else ""))[
        :OUTLET_MAX
    ]
    article.provenance = provenance.evidence
    article.republished_from = original


def link_waiting_republications(article: Article, *, aliases: bool = True) -> int:
    """Point the republications stored before ``article`` (their original) at it; how many.

    ``aliases=False``: the article has none (just created), so they are not looked up.
    """
    addresses = [article.source_url, *(article.aliases.values_list("url", flat=True) if aliases else [])]
    waiting = Article.objects.filter(Q(original_url__in=addresses), republished_from__isnull=True).exclude(
        outlet_id=article.outlet_id
    )
    linked = 0
    for copy in waiting.exclude(pk=article.pk):
        copy.republished_from = article
        copy.original_outlet = copy.original_outlet or article.outlet.name[:OUTLET_MAX]
        copy.save(update_fields=["republished_from", "original_outlet", "modified_at"])
        linked += 1
    if linked:
        log.info("linked %d republication(s) to their original, article %s", linked, article.pk)
    return linked


def republication_story_id(article: Article) -> int | None:
    """The story of the article's original, or of one of its republications: the story it belongs to."""
    from kabar.stories.models import StoryMembership

    related = Q(article_id=article.republished_from_id) if article.republished_from_id else Q(pk__in=[])
    related |= Q(article__republished_from=article)
    return (
        StoryMembership.objects.filter(related, story__isnull=False)
        .exclude(article=article)
        .order_by("created_at")
        .values_list("story_id", flat=True)
        .first()
    )
