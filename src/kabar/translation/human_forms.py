"""The human-translation editor's form: one field per piece of the source, never the blocks as JSON.

The text being written follows a *structure*: the original's blocks for a new translation,
the text's own blocks when it is edited (so an edit never reshapes what a person wrote).
Each paragraph, heading and quote is one field, each list item one field, each image a
caption field (and an alt field where the source has alt text); title and lead are fields
too. ``blocks()`` puts the typed words back into that structure, sanitised as every body is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kabar.core.blocks import sanitize_inline, strip_tags
from kabar.core.types import Block
from kabar.news.models import ArticleText, Media
from kabar.translation.forms import target_textarea

TEXT_KINDS = ("paragraph", "heading", "quote")
LABELS = {
    "paragraph": _("Paragraph"),
    "heading": _("Heading"),
    "quote": _("Quote"),
    "list": _("List item"),
    "image": _("Image"),
}


def _safe(html: str) -> SafeString:
    return mark_safe(sanitize_inline(html))  # noqa: S308 - sanitised just here


@dataclass(frozen=True)
class Piece:
    """One row of the editor: where it is, the source's words, and the field(s) for the translation."""

    where: str
    source: SafeString
    names: tuple[str, ...]
    image: str = ""  # the source image's address, for image rows
    credit: str = ""


@dataclass
class Layout:
    """What the editor shows and writes: the source text and the structure the translation follows."""

    original: ArticleText
    structure: list[Block]  # the blocks the saved text will have (words replaced)
    initial: Mapping[str, str] = field(default_factory=dict)  # field name -> current words
    placed_media: Mapping[int, Media] = field(default_factory=dict)  # image block index -> its Media row
    lead_media: Sequence[Media] = ()  # the article's pictures its body does not place (shown above it)

    def source_block(self, index: int) -> Block | None:
        """The original's block at ``index`` when it is the same kind as the structure's (they line up)."""
        blocks = self.original.blocks
        if index < len(blocks) and blocks[index].get("type") == self.structure[index].get("type"):
            return cast(Block, blocks[index])
        return None

    @property
    def aligned(self) -> bool:
        return len(self.structure) == len(self.original.blocks) and all(
            self.source_block(i) is not None for i in range(len(self.structure))
        )


class TargetLanguageField(forms.ChoiceField):
    """A choice of the languages one may write; a refused one is answered with its reason, not "invalid"."""

    def __init__(self, *, refused: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.refused = dict(refused)

    def validate(self, value: Any) -> None:
        if value in self.refused:
            raise ValidationError(self.refused[value], code="refused")
        super().validate(value)


class HumanTranslationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500, strip=True)
    lead = forms.CharField(label=_("Lead"), required=False, strip=True)

    def __init__(
        self,
        layout: Layout,
        data: Mapping[str, Any] | None = None,
        *,
        language: str,
        choices: Sequence[tuple[str, str]] | None = None,
        refused: Mapping[str, str] | None = None,
        may_publish: bool = False,
        published: bool = False,
        stale: bool = False,
        may_caption_media: bool = True,
    ) -> None:
        super().__init__(data, initial=dict(layout.initial))
        self.layout = layout
        self.pieces: list[Piece] = []
        self.media_pieces: list[tuple[Media, str]] = []
        self.may_caption_media = may_caption_media
        if choices is not None:  # a new text: its language is chosen here
            self.fields["language"] = TargetLanguageField(
                label=_("Language"), choices=[("", "---------"), *choices], refused=refused or {}
            )
            self.initial.setdefault("language", language)
        self.fields["title"].widget = forms.TextInput(attrs={"lang": language} if language else {})
        original = layout.original
        self.fields["lead"].widget = target_textarea(language, rows=3)
        self.fields["lead"].required = bool(original.lead.strip())
        self.pieces.append(Piece(gettext("Title"), _safe(original.title), ("title",)))
        self.pieces.append(Piece(gettext("Lead"), _safe(original.lead), ("lead",)))
        for media in layout.lead_media if may_caption_media else ():
            name = f"m{media.pk}_caption"
            self._text_field(name, language, required=False, label=_("Caption"))
            caption = (media.captions or {}).get(original.language, "")
            self.pieces.append(
                Piece(gettext("Picture above the body"), _safe(caption), (name,), image=media.src)
            )
            self.media_pieces.append((media, name))
        for index, block in enumerate(layout.structure):
            self._add_block(index, block, language)
        if may_publish:
            self.fields["is_published"] = forms.BooleanField(
                label=_("Published (readers see this text)"), required=False, initial=published
            )
        if stale:
            self.fields["up_to_date"] = forms.BooleanField(
                label=_("My text now follows the current original (no longer stale)"), required=False
            )

    def _text_field(self, name: str, language: str, *, required: bool, label: Any, source: str = "") -> None:
        # As tall as the source needs (about 60 characters a line), so a long paragraph is not typed blind.
        rows = min(12, max(2, len(strip_tags(source)) // 60 + 1))
        self.fields[name] = forms.CharField(
            label=label,
            required=required,
            strip=True,
            max_length=20_000,
            widget=target_textarea(language, rows=rows),
        )

    def _add_block(self, index: int, block: Block, language: str) -> None:
        kind = str(block.get("type"))
        source = self.layout.source_block(index) or {}
        where = f"¶{index + 1} {LABELS.get(kind, kind)}"
        if kind in TEXT_KINDS:
            self._text_field(
                f"b{index}", language, required=True, label=where, source=str(source.get("text", ""))
            )
            self.pieces.append(Piece(where, _safe(str(source.get("text", ""))), (f"b{index}",)))
        elif kind == "list":
            items = list(source.get("items", []))
            for number in range(len(block.get("items", []))):
                name = f"b{index}_{number}"
                self._text_field(name, language, required=True, label=f"{where} {number + 1}")
                said = str(items[number]) if number < len(items) else ""
                self.pieces.append(Piece(f"{where} {number + 1}", _safe(said), (name,)))
        elif kind == "image":
            names = [f"b{index}_caption"]
            self._text_field(names[0], language, required=False, label=_("Caption"))
            if source.get("alt") or block.get("alt"):
                names.append(f"b{index}_alt")
                self._text_field(names[1], language, required=False, label=_("Alt text"))
            self.pieces.append(
                Piece(
                    where,
                    _safe(str(source.get("caption", ""))),
                    tuple(names),
                    image=str(block.get("src", "")),
                    credit=str(block.get("credit", "")),
                )
            )

    def rows(self) -> list[tuple[Piece, list[forms.BoundField]]]:
        return [(piece, [self[name] for name in piece.names]) for piece in self.pieces]

    def disable(self) -> None:
        """Shown, not editable (a language the user may not write)."""
        for bound in self.fields.values():
            bound.disabled = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for piece in self.pieces:
            for name in piece.names:
                value = cleaned.get(name)
                required = self.fields[name].required
                # Markup that sanitising removes entirely ("<script>…</script>") leaves the block empty.
                if required and isinstance(value, str) and value and not sanitize_inline(value).strip():
                    self.add_error(name, _("Only markup that is not allowed: write the words of this block."))
        return cleaned

    def blocks(self) -> list[Block]:
        """The structure with the typed words in place (after ``is_valid``), inline HTML sanitised."""
        data = self.cleaned_data
        out: list[Block] = []
        for index, block in enumerate(self.layout.structure):
            kind = block.get("type")
            new = dict(block)
            if kind in TEXT_KINDS:
                new["text"] = sanitize_inline(data[f"b{index}"]).strip()
            elif kind == "list":
                new["items"] = [
                    sanitize_inline(data[f"b{index}_{n}"]).strip() for n in range(len(block.get("items", [])))
                ]
            elif kind == "image":
                new["caption"] = sanitize_inline(data[f"b{index}_caption"]).strip()
                if f"b{index}_alt" in data:
                    new["alt"] = sanitize_inline(data[f"b{index}_alt"]).strip()
            out.append(new)
        return out

    def media_captions(self) -> dict[int, str]:
        """Media id -> caption typed for it: pictures above the body, and the rows behind image blocks."""
        if not self.may_caption_media:
            return {}
        captions = {
            media.pk: sanitize_inline(self.cleaned_data[name]).strip() for media, name in self.media_pieces
        }
        for index, media in self.layout.placed_media.items():
            captions[media.pk] = sanitize_inline(self.cleaned_data[f"b{index}_caption"]).strip()
        return captions

    @property
    def chosen_language(self) -> str | None:
        return str(self.cleaned_data["language"]) if "language" in self.fields else None

    @property
    def publishes(self) -> bool | None:
        """The publish box (after ``is_valid``); None when the user may not publish."""
        return bool(self.cleaned_data["is_published"]) if "is_published" in self.fields else None

    @property
    def brought_up_to_date(self) -> bool:
        return bool(self.cleaned_data.get("up_to_date"))
