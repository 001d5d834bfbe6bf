"""The human-translation editor: a person writes a language version block by block beside the original.

It is the news admin's add and change page for human texts (``ArticleTextAdmin`` hands them
here): ``/admin/news/articletext/add/?article=<id>&language=<code>`` starts one,
``/admin/news/articletext/<id>/change/`` edits one. Saving follows the rules of every admin
page that edits texts (``kabar.news.admin.credit_edit``: who edited it and when, who published
it; a new text by someone who may not publish waits unpublished), the model's own validation
(blocks schema, not in the source language, one text per language) and a translator's
language limit (``kabar.newsroom.limits``). A text never published takes its slug from its
title, as ingestion and MT make slugs (``kabar.ingest.store.unique_slug``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from kabar.ingest.store import unique_slug
from kabar.news.models import Article, ArticleText, Media, validate_block_list
from kabar.newsroom.limits import PUBLISH, may_write, refusal
from kabar.site.languages import endonym, site_language_codes
from kabar.translation.human_forms import HumanTranslationForm, Layout

TEMPLATE = "admin/translation/human_editor.html"
CHANGE_MEDIA = "news.change_media"


@dataclass(frozen=True)
class LanguageLink:
    """One site language of an article, as the article page and the matrix offer it."""

    language: str
    name: str
    state: str  # original, missing, human, machine, post-edited
    state_label: str
    url: str  # where to write or edit it; "" when the user may not
    label: str


def text_state(article: Article, language: str) -> tuple[str, ArticleText | None]:
    text = article.text_for(language)
    return (text.status if text else "missing"), text


def translation_links(user: Any, article: Article) -> list[LanguageLink]:
    """Per site language: "Add translation", "Edit translation" or "Post-edit", where the user may write it."""
    may_add, may_change = user.has_perm("news.add_articletext"), user.has_perm("news.change_articletext")
    links = []
    for code in site_language_codes():
        state, text = text_state(article, code)
        url, label = "", ""
        if text is None and code != article.source_language and may_add and may_write(user, code):
            url = add_url(article, code)
            label = _("Add translation")
        elif text is not None and text.status == ArticleText.Status.HUMAN and may_change:
            url = reverse("admin:news_articletext_change", args=[text.pk])
            label = _("Edit translation") if may_write(user, code) else _("View translation")
        elif text is not None and text.is_machine_made and user.has_perm("translation.view_postedit"):
            url = reverse("admin:translation_postedit_change", args=[text.pk])
            label = _("Post-edit") if may_write(user, code) else _("View translation")
        state_label = str(text.get_status_display()) if text is not None else _("no text yet")
        links.append(LanguageLink(code, endonym(code), state, state_label, url, label))
    return links


def add_url(article: Article, language: str) -> str:
    return f"{reverse('admin:news_articletext_add')}?article={article.pk}&language={language}"


def free_languages(user: Any, article: Article) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(languages the user may start a text in, {language: why not} for the other site languages)."""
    taken = {t.language for t in article.texts.all()}
    choices, refused = [], {}
    for code in site_language_codes():
        if code == article.source_language:
            refused[code] = _("%(language)s is the language of the original.") % {"language": endonym(code)}
        elif code in taken:
            refused[code] = _("This article already has a text in %(language)s: edit that one.") % {
                "language": endonym(code)
            }
        elif not may_write(user, code):
            refused[code] = refusal(user, code)
        else:
            choices.append((code, endonym(code)))
    return choices, refused


def posted_language(request: HttpRequest, choices: list[tuple[str, str]] | None) -> str:
    """The language a new text's form was posted with, when it is one on offer (for the fields' ``lang``)."""
    posted = request.POST.get("language", "")
    return posted if choices and posted in dict(choices) else ""


def layout_for(article: Article, original: ArticleText, text: ArticleText | None) -> Layout:
    """The source, the structure the translation follows and the current words of ``text``."""
    structure = [dict(b) for b in (text.blocks if text is not None else original.blocks)]
    media = list(article.media.all())
    placed: dict[int, Media] = {}
    for index, block in enumerate(structure):
        if block.get("type") != "image":
            continue
        match = next(
            (m for m in media if m.pk == block.get("media") or block.get("src") in {m.src, m.url} - {""}),
            None,
        )
        if match is not None:
            placed[index] = match
    lead_media = [m for m in media if m not in placed.values() and m.src]
    initial: dict[str, str] = {}
    if text is not None:
        initial.update(title=text.title, lead=text.lead)
        for index, block in enumerate(structure):
            kind = block.get("type")
            if kind == "list":
                initial.update({f"b{index}_{n}": str(item) for n, item in enumerate(block.get("items", []))})
            elif kind == "image":
                initial[f"b{index}_caption"] = str(block.get("caption", ""))
                initial[f"b{index}_alt"] = str(block.get("alt", ""))
            else:
                initial[f"b{index}"] = str(block.get("text", ""))
        for m in lead_media:
            initial[f"m{m.pk}_caption"] = (m.captions or {}).get(text.language, "")
    return Layout(original, structure, initial, placed, lead_media)


def save_translation(
    form: HumanTranslationForm, article: Article, text: ArticleText | None, editor: Any, language: str
) -> ArticleText:
    """Write the form's words into ``text`` (a new human text when None); raise ValidationError if the model refuses."""
    from kabar.news.admin import credit_edit  # the news admin imports this module for its pages

    if text is None:
        text = ArticleText(
            article=article,
            language=language,
            status=ArticleText.Status.HUMAN,
            translated_from=article.source_language,
            is_published=False,
        )
    before = (text.title, text.lead, text.blocks, text.is_published)
    never_published = text.published_at is None
    text.title, text.lead, text.blocks = form.cleaned_data["title"], form.cleaned_data["lead"], form.blocks()
    if form.publishes is not None:
        text.is_published = form.publishes
    if form.brought_up_to_date:
        text.stale = False
    names = ("title", "lead", "blocks", "is_published")
    changed = [name for name, old in zip(names, before, strict=True) if getattr(text, name) != old]
    if text.pk is None and text.is_published and "is_published" not in changed:
        changed.append("is_published")
    if never_published:
        # Readers have never had its address, so it may still follow the title as it is now.
        text.slug = unique_slug(language, text.title, exclude_article=article.pk)
    credit_edit(text, changed, editor, article.source_language)
    # An empty body is a valid body (an article that is only a title and a lead); its schema is checked here.
    text.full_clean(exclude=["blocks"])
    validate_block_list(text.blocks)
    captions = form.media_captions()
    with transaction.atomic():
        text.save()
        for media in Media.objects.select_for_update().filter(article=article, pk__in=captions):
            current = dict(media.captions or {})
            if captions[media.pk]:
                current[language] = captions[media.pk]
            else:
                current.pop(language, None)
            if current != (media.captions or {}):
                media.captions = current
                media.save(update_fields=["captions"])
    return text


def editor_view(
    model_admin: admin.ModelAdmin[ArticleText],
    request: HttpRequest,
    article: Article,
    text: ArticleText | None,
) -> HttpResponse:
    """The add (``text`` None) or change page of a human translation of ``article``."""
    user = request.user
    original = article.original
    if original is None:
        model_admin.message_user(
            request, _("This article has no original text to translate."), messages.ERROR
        )
        return HttpResponseRedirect(reverse("admin:news_article_change", args=[article.pk]))
    if text is None:
        if not model_admin.has_add_permission(request):
            raise PermissionDenied
        choices, refused = free_languages(user, article)
        wanted = request.GET.get("language", "")
        if wanted in refused and request.method != "POST":
            model_admin.message_user(request, refused[wanted], messages.WARNING)
        language = wanted if any(code == wanted for code, _name in choices) else ""
        if not choices:
            model_admin.message_user(
                request, _("Every site language you may write already has a text."), messages.INFO
            )
            return HttpResponseRedirect(reverse("admin:news_article_change", args=[article.pk]))
        can_edit = True
    else:
        if not model_admin.has_view_or_change_permission(request, text):
            raise PermissionDenied
        choices, refused, language = None, None, text.language
        can_edit = model_admin.has_change_permission(request, text)
        if not may_write(user, text.language):
            model_admin.message_user(request, refusal(user, text.language), messages.INFO)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    options: dict[str, Any] = {
        "language": posted_language(request, choices) or language,
        "choices": choices,
        "refused": refused,
        "may_publish": user.has_perm(PUBLISH),
        "published": text.is_published if text is not None else False,
        "stale": bool(text is not None and text.stale),
        "may_caption_media": user.has_perm(CHANGE_MEDIA),
    }
    layout = layout_for(article, original, text)
    if request.method == "POST":
        form = HumanTranslationForm(layout, request.POST, **options)
        if form.is_valid():
            target = form.chosen_language or language
            try:
                saved = save_translation(form, article, text, user, target)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            except IntegrityError:
                form.add_error(
                    None, _("Another text in this language was saved meanwhile; nothing was saved.")
                )
            else:
                state = _("published") if saved.is_published else _("not published")
                model_admin.message_user(
                    request,
                    _("Saved the %(language)s translation (%(state)s).")
                    % {"language": endonym(target), "state": state},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:news_articletext_change", args=[saved.pk]))
    else:
        form = HumanTranslationForm(layout, **options)
    if not can_edit:
        form.disable()
    if text is not None and not layout.aligned:
        messages.warning(
            request,
            _(
                "This text's blocks no longer line up with the original's (the original changed since, "
                "or the text was made elsewhere): blocks without a match show no source."
            ),
        )
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Translation of “%(title)s”") % {"title": original.title},
        "opts": model_admin.opts,
        "article": article,
        "original": original,
        "text": text,
        "language": language,
        "form": form,
        "rows": form.rows(),
        "can_edit": can_edit,
        "can_delete": text is not None and model_admin.has_delete_permission(request, text),
        "has_view_permission": True,
        "source_name": endonym(original.language),
        "target_name": endonym(language) if language else _("the translation"),
    }
    return TemplateResponse(request, TEMPLATE, context)


def choose_article_view(model_admin: admin.ModelAdmin[ArticleText], request: HttpRequest) -> HttpResponse:
    """``add/`` without an article: where to start one (an article's page or the matrix)."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Add a translation"),
        "opts": model_admin.opts,
        "has_view_permission": True,
    }
    return TemplateResponse(request, "admin/translation/human_editor_start.html", context)


def add_view(model_admin: admin.ModelAdmin[ArticleText], request: HttpRequest) -> HttpResponse:
    article_id = request.GET.get("article") or request.POST.get("article", "")
    if not article_id.isdigit():
        return choose_article_view(model_admin, request)
    article = Article.objects.prefetch_related("texts", "media").filter(pk=int(article_id)).first()
    if article is None:
        model_admin.message_user(
            request, _("No article with id %(id)s.") % {"id": article_id}, messages.WARNING
        )
        return choose_article_view(model_admin, request)
    return editor_view(model_admin, request, article, None)
