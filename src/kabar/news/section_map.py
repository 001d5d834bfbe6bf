"""Outlets' section labels and the sections editors map them to (``SectionMapping``).

Ingestion files an article under the section its outlet's mapping names; an unmapped label
files it under the built-in "unsorted" section, which readers never see, and the label waits
in the admin's list of unmapped labels until an editor maps it. Mapping a label re-files the
"unsorted" articles that carried it (or whose address starts with the mapped path).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q

from kabar.core.text.section_labels import fold_label, is_path, match_section
from kabar.news.models import UNSORTED_SECTION_SLUG, Article, Outlet, Section, SectionMapping

log = logging.getLogger("kabar.news")


def outlet_mappings(outlet: Outlet) -> dict[str, int]:
    """The outlet's mappings: folded label (or path prefix) -> section id."""
    return dict(SectionMapping.objects.filter(outlet=outlet).values_list("key", "section_id"))


def refile_unsorted(mapping: SectionMapping) -> int:
    """Move the outlet's "unsorted" articles that ``mapping`` covers to its section; how many moved.

    Only "unsorted" articles move (and, for a path, those filed under no section because their page
    named none): an article an editor (or an earlier mapping) filed elsewhere stays.
    """
    waiting = Article.objects.filter(outlet_id=mapping.outlet_id, section__slug=UNSORTED_SECTION_SLUG)
    if is_path(mapping.key):
        waiting = Article.objects.filter(
            Q(section__slug=UNSORTED_SECTION_SLUG) | Q(section__isnull=True), outlet_id=mapping.outlet_id
        )
        pks = [
            pk
            for pk, url in waiting.values_list("pk", "source_url")
            if match_section("", url, {mapping.key: mapping.section_id}) is not None
        ]
    else:
        spellings = {
            label
            for label in waiting.values_list("section_label", flat=True).distinct()
            if fold_label(label) == mapping.key
        }
        pks = list(waiting.filter(section_label__in=spellings).values_list("pk", flat=True))
    with transaction.atomic():
        # One save per article (not queryset.update): the page cache and the section menus
        # listen to Article's post_save.
        for article in Article.objects.filter(pk__in=pks).select_for_update():
            article.section_id = mapping.section_id
            article.save(update_fields=["section", "modified_at"])
    if pks:
        log.info("mapping %s re-filed %d unsorted article(s)", mapping, len(pks))
    return len(pks)


@dataclass(frozen=True)
class UnmappedLabel:
    """A section label of one outlet that no mapping covers, with the articles waiting under it."""

    outlet_id: int
    outlet_name: str
    label: str  # the most used spelling
    key: str
    articles: int


def unmapped_labels() -> list[UnmappedLabel]:
    """Every outlet's labels that filed articles under "unsorted", most articles first."""
    rows = (
        Article.objects.filter(section__slug=UNSORTED_SECTION_SLUG)
        .exclude(section_label="")
        .values("outlet_id", "outlet__name", "section_label")
        .annotate(n=Count("pk"))
        .order_by("-n", "section_label")
    )
    grouped: dict[tuple[int, str], UnmappedLabel] = {}
    for row in rows:
        key = fold_label(row["section_label"])
        found = grouped.get((row["outlet_id"], key))
        count = row["n"] + (found.articles if found else 0)
        label = found.label if found else row["section_label"]
        grouped[(row["outlet_id"], key)] = UnmappedLabel(
            row["outlet_id"], row["outlet__name"], label, key, count
        )
    return sorted(grouped.values(), key=lambda u: (-u.articles, u.outlet_name, u.label))


def map_label(outlet: Outlet, label: str, section: Section) -> tuple[SectionMapping, int]:
    """Create (or re-point) the outlet's mapping for ``label``; returns it and how many articles moved."""
    key = fold_label(label)
    mapping = SectionMapping.objects.filter(outlet=outlet, key=key).first() or SectionMapping(
        outlet=outlet, label=label
    )
    mapping.section = section
    before = Article.objects.filter(outlet=outlet, section__slug=UNSORTED_SECTION_SLUG).count()
    mapping.save()  # re-files
    after = Article.objects.filter(outlet=outlet, section__slug=UNSORTED_SECTION_SLUG).count()
    return mapping, before - after
