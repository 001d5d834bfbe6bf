"""Images with their captions and credits, lifted out of the page before text extraction.

trafilatura keeps ``<img>`` but drops or flattens captions: a ``figcaption``
disappears, a Vietnamese CMS caption table becomes a table row of text, and a
caption paragraph under the image becomes body text. So each image and its
caption are found here, in the original markup, and the whole construct is
replaced by a placeholder ``<img>`` whose ``src`` names the image. The
extractor carries the placeholder to its place in the body, where
``kabar.core.extract.extract`` swaps the real image back in.

An image's address comes from the page (``src``, ``srcset``, ``<base href>``)
and the image downloader reads it, so a page fetched from the web may name
only web images: a ``file:`` address would read a file off the server. A
page that is itself a local file (a saved copy) may also name files in its
own folder. A refused image with a caption or credit stays, as an image
without a picture (``NO_PICTURE_SRC``), like an image a capture knows only by
its caption.

An address that is no address at all (``http://[``, thousands of characters,
control characters) is treated the same way, and named in the article's
warnings instead of failing the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from lxml.html import Element, HtmlElement

from kabar.core.extract.content_images import decorative_reason
from kabar.core.extract.extract_meta import normalize_space
from kabar.core.fetch.urls import is_http_url, local_file_within
from kabar.core.text.credits import is_file_name, split_credit
from kabar.core.types import Image

PLACEHOLDER_PREFIX = "https://kabar.invalid/image-"
PLACEHOLDER = re.compile(re.escape(PLACEHOLDER_PREFIX) + r"(\d+)\.jpg$")
# An image whose address was refused: not a URL anyone can fetch, so the site shows no picture.
NO_PICTURE_SRC = "no-picture:image-{}"
NO_PICTURE = re.compile(r"^no-picture:image-\d+$")

CAPTION_CLASS = re.compile(
    r"(?:^|[\s_-])(?:caption|captions|figcaption|wp-caption-text|image-caption|img-caption|photo-caption|"
    r"imagecaption|photocaption|photocms_caption|caption-text|legend|image-desc|img-desc|photo-desc|"
    r"desc|description|cutline|keterangan)(?:$|[\s_-])",
    re.I,
)
CREDIT_CLASS = re.compile(
    r"(?:^|[\s_-])(?:credit|credits|copyright|photo-?credit|image-?credit|byline|source)(?:$|[\s_-])", re.I
)
CAPTION_BOX_CLASS = re.compile(
    r"tplCaption|VCSortableInPreviewMode|expNoEdit|wp-caption|image-box|img-box|photo-box|picture|"
    r"figure|media|photo|image|img",
    re.I,
)
# src values that are lazy-loading stand-ins, not the picture.
STAND_IN_SRC = re.compile(
    r"^data:|blank\.|spacer\.|placeholder|lazy[-_.]|1x1|pixel\.|grey\.gif|loading\.", re.I
)
# Controls that expand or collapse a long caption ("… more" / "less"): part of the widget, not the caption.
TOGGLE_CLASS = re.compile(r"toggle|expand|collapse|read-?more|show-?more|more-?less", re.I)
# Only after an ellipsis, or as the "more"/"less" pair: a caption may well end in the word "more".
CAPTION_TOGGLE = re.compile(
    r"\s*(?:…|\.\.\.)\s*(?:more|read more|show more|xem thêm|selengkapnya)"
    r"(?:\s*(?:less|show less|thu gọn|tutup))?\s*$|\s+more\s*less\s*$",
    re.I,
)
# The label of an advertising slot is never a caption: the image with it is an advertisement.
AD_LABELS = frozenset({"quảng cáo", "advertisement", "advertising", "iklan", "sponsored", "ads", "ad"})
# Longer than any server accepts in a request line (8 KiB is the common limit): not a real image address.
MAX_IMAGE_URL_CHARS = 8_192
_SIZE_ATTRIBUTE = re.compile(r"[0-9]{1,6}")  # ASCII digits only: int() also reads "²" and "٣", and fails
# Browsers (and urlsplit) drop tabs and line breaks inside an address; other control characters make none.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
WARN_INVALID_IMAGE = "dropped an image address that is not a valid URL"
WARN_INVALID_BASE = "ignored <base href>: not a valid URL"
MAX_CAPTION_CHARS = 600
MAX_CAPTION_TABLE_ROWS = 3  # image, caption, credit: a bigger table is layout or data
LAZY_ATTRIBUTES = (
    "data-src",
    "data-original",
    "data-lazy-src",
    "data-lazy",
    "data-url",
    "data-full-url",
    "data-hi-res-src",
)


TEXT_BLOCK_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "dd"})
ANCHOR_WORDS = 12  # enough words to recognise a paragraph again after extraction
ANCHOR_DIV_CHARS = 40  # a <div> written as a paragraph (its own text, no <p>) anchors an image too


@dataclass
class LiftedImage:
    """One image taken out of the page, and where it stood.

    ``text_after``/``text_before`` identify the nearest text blocks around the
    image (see ``text_key``), so the image can be put back beside them when the
    extractor drops the placeholder, as trafilatura does in some layouts.
    """

    image: Image
    anchor: HtmlElement  # the placeholder now standing in the page
    text_after: str = ""
    text_before: str = ""


def text_key(text: str) -> str:
    """The first words of a text, case-folded: how a paragraph is recognised after extraction."""
    return " ".join(re.findall(r"\w+", text.casefold())[:ANCHOR_WORDS])


def _set_text_anchors(tree: HtmlElement, lifted: list[LiftedImage]) -> None:
    by_anchor = {item.anchor: item for item in lifted}
    previous = ""
    waiting: list[LiftedImage] = []
    for el in tree.iter():
        if el in by_anchor:
            item = by_anchor[el]
            item.text_before = previous
            waiting.append(item)
        elif isinstance(el.tag, str) and (
            el.tag in TEXT_BLOCK_TAGS or el.tag == "div" and len((el.text or "").strip()) >= ANCHOR_DIV_CHARS
        ):
            key = text_key(el.text_content())
            if key:
                previous = key
                for item in waiting:
                    item.text_after = key
                waiting = []


def _largest_in_srcset(srcset: str) -> str:
    best, best_size = "", -1.0
    for candidate in srcset.split(","):
        parts = candidate.strip().split()
        if not parts:
            continue
        size = 0.0
        if len(parts) > 1 and re.fullmatch(r"\d+(?:\.\d+)?[wx]", parts[1]):
            size = float(parts[1][:-1])
        if size > best_size:
            best, best_size = parts[0], size
    return best


def image_source(img: HtmlElement) -> str:
    """The real picture's address: srcset's largest, a lazy-loading attribute, or src."""
    srcsets = [img.get("data-srcset", ""), img.get("srcset", "")]
    # libxml2 does not know <source> is empty and may nest the <img> inside it.
    picture = next((a for a in img.iterancestors() if a.tag == "picture"), None)
    if picture is not None:
        srcsets += [s.get("data-srcset", "") or s.get("srcset", "") for s in picture.iter("source")]
    for srcset in srcsets:
        if srcset.strip() and (best := _largest_in_srcset(srcset)) and not STAND_IN_SRC.search(best):
            return best
    for attr in (*LAZY_ATTRIBUTES, "src"):
        value = (img.get(attr) or "").strip()
        if value and not STAND_IN_SRC.search(value):
            return value
    return ""


def _int_attr(img: HtmlElement, name: str) -> int | None:
    value = (img.get(name) or "").strip().removesuffix("px")
    return (int(value) or None) if _SIZE_ATTRIBUTE.fullmatch(value) else None


def resolve_image_address(base_url: str, src: str) -> str | None:
    """``src`` made absolute against ``base_url``; ``None`` when it is not a usable URL."""
    if len(src) > MAX_IMAGE_URL_CHARS or _CONTROL_CHARS.search(src):
        return None
    try:
        resolved = urljoin(base_url, src)
        urlsplit(resolved)  # urljoin does not check everything urlsplit does (the host's brackets)
    except ValueError:
        return None
    return resolved


def _text(el: HtmlElement) -> str:
    return normalize_space(el.text_content())


def _caption_parts(box: HtmlElement, credit_scope: HtmlElement | None = None) -> tuple[str, str]:
    """Caption text of ``box`` and the credit marked apart (class="credit") in it or in ``credit_scope``."""
    scope = box if credit_scope is None else credit_scope
    for control in [
        el
        for el in box.iter()
        if isinstance(el.tag, str)
        and el is not box
        and (el.tag == "button" or el.get("role") == "button" or TOGGLE_CLASS.search(el.get("class", "")))
    ]:
        if control.getparent() is not None:
            control.drop_tree()
    credits = [
        el
        for el in scope.iter()
        if isinstance(el.tag, str)
        and el is not scope
        and CREDIT_CLASS.search(el.get("class", ""))
        and _text(el)
    ]
    credit = " ".join(_text(el) for el in credits)
    for el in credits:
        el.drop_tree()
    return _text(box), credit


def _caption_sibling(el: HtmlElement) -> HtmlElement | None:
    """A caption standing right after ``el``: a caption-classed element, or an <em>-only paragraph."""
    nxt = el.getnext()
    if nxt is None or not isinstance(nxt.tag, str) or nxt.find(".//img") is not None:
        return None
    text = _text(nxt)
    if not text or len(text) > MAX_CAPTION_CHARS:
        return None
    if CAPTION_CLASS.search(nxt.get("class", "")) or nxt.tag == "figcaption":
        return nxt
    # "<p><em>Caption (Foto: X)</em></p>" directly under the image.
    only_emphasis = len(nxt) == 1 and nxt[0].tag in ("em", "i") and _text(nxt[0]) == text
    if nxt.tag in ("p", "div") and only_emphasis and not (nxt.text or "").strip():
        return nxt
    if nxt.tag in ("em", "i"):
        return nxt
    return None


def _is_caption_table(table: HtmlElement) -> bool:
    """A table that frames one image and its caption (Vietnamese CMSs), not layout or data."""
    rows = len(table.findall(".//tr"))
    framed = CAPTION_BOX_CLASS.search(table.get("class", "")) or rows <= MAX_CAPTION_TABLE_ROWS
    return bool(framed) and len(table.findall(".//img")) == 1 and len(_text(table)) <= MAX_CAPTION_CHARS


def _find_caption(img: HtmlElement) -> tuple[HtmlElement, list[HtmlElement], str, str]:
    """``(construct to replace, caption elements to remove, caption, credit)`` for one image."""
    ancestors = [a for a in img.iterancestors() if isinstance(a.tag, str)][:5]
    for anc in ancestors:
        if anc.tag in ("article", "body", "main"):
            break
        classes = anc.get("class", "")
        if anc.tag == "figure" or "wp-caption" in classes:
            caption_el = anc.find(".//figcaption")
            if caption_el is None:
                caption_el = next(
                    (
                        e
                        for e in anc.iter()
                        if CAPTION_CLASS.search(e.get("class", "") if isinstance(e.tag, str) else "")
                    ),
                    None,
                )
            if caption_el is not None:
                caption, credit = _caption_parts(caption_el)
            else:
                caption, credit = "", ""
            extra = _caption_sibling(anc)
            if not caption and extra is not None:
                caption, credit = _caption_parts(extra)
                return anc, [extra], caption, credit
            return anc, [], caption, credit
        if anc.tag == "table" and _is_caption_table(anc):
            return anc, [], *_caption_parts(anc)
        if anc.tag == "div" and (anc.get("type") == "Photo" or "VCSortableInPreviewMode" in classes):
            caption_el = next(
                (
                    e
                    for e in anc.iter()
                    if isinstance(e.tag, str) and CAPTION_CLASS.search(e.get("class", ""))
                ),
                None,
            )
            caption, credit = _caption_parts(caption_el) if caption_el is not None else ("", "")
            return anc, [], caption, credit
    # A caption box beside the image, or beside the element that wraps it.
    node = img
    for _ in range(3):
        sibling = _caption_sibling(node)
        if sibling is not None:
            box = node.getparent()
            small_box = box is not None and box.tag not in ("article", "body", "main")
            small_box = small_box and len(_text(box)) <= MAX_CAPTION_CHARS
            return node, [sibling], *_caption_parts(sibling, credit_scope=box if small_box else None)
        parent = node.getparent()
        if (
            parent is None
            or parent.tag in ("article", "body", "main")
            or len(_text(parent)) > MAX_CAPTION_CHARS
        ):
            break
        inner = next(
            (
                e
                for e in parent.iter()
                if isinstance(e.tag, str) and e is not node and CAPTION_CLASS.search(e.get("class", ""))
            ),
            None,
        )
        if inner is not None and inner.find(".//img") is None:
            return parent, [], *_caption_parts(inner, credit_scope=parent)
        node = parent
    picture = next((a for a in img.iterancestors() if a.tag == "picture"), None)
    return (picture if picture is not None else img), [], "", ""


def _links_elsewhere(img: HtmlElement) -> bool:
    """A thumbnail that links to another page (a teaser), not to its own larger picture."""
    link = next(img.iterancestors("a"), None)
    if link is None or STAND_IN_SRC.search(link.get("href", "")):
        return False
    href = link.get("href", "").split("?", 1)[0].lower()
    return bool(href) and not href.endswith((".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif"))


def _clean_caption(text: str) -> str:
    text = normalize_space(text)
    # "… more" written into the caption's text by a script-less expander, after the caption's last word.
    if len(text.split()) > 3:
        text = CAPTION_TOGGLE.sub("", text)
    return "" if is_file_name(text) else text


def _clean_credit(credit: str) -> str:
    """A credit marked apart, less its brackets: "(AP Photo/X)" is credited as "AP Photo/X"."""
    credit = normalize_space(credit)
    if credit:
        credit = split_credit(credit)[1] or credit
    while len(credit) > 2 and credit[0] in "([" and credit[-1] in ")]":
        credit = credit[1:-1].strip()
    return credit


def _document_folder(document_url: str) -> Path | None:
    """The folder of a document that is a local file (``file:`` URL), whose images it may name."""
    try:
        parts = urlsplit(document_url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost") or not parts.path:
        return None
    return Path(unquote(parts.path)).parent


def image_address_allowed(src: str, folder: Path | None) -> bool:
    """A web image, or (for a local document in ``folder``) a file inside that folder."""
    return is_http_url(src) or (folder is not None and local_file_within(src, folder) is not None)


def lift_images(
    tree: HtmlElement,
    base_url: str,
    *,
    refused: list[str] | None = None,
    warnings: list[str] | None = None,
) -> list[LiftedImage]:
    """Replace every image construct with a placeholder; return the images in page order.

    ``base_url`` is the document's own URL. Image addresses it may not use
    (see the module docstring) are appended to ``refused`` when given;
    addresses that are not URLs at all, and a broken ``<base href>``, to ``warnings``.
    """
    found_warnings: list[str] = []
    folder = _document_folder(base_url)
    base = tree.find(".//base[@href]")
    if base is not None:
        based = resolve_image_address(base_url, base.get("href", "").strip())
        if based is None:
            found_warnings.append(WARN_INVALID_BASE)
        else:
            base_url = based
    lifted: list[LiftedImage] = []
    for img in list(tree.iter("img", "amp-img")):
        if img.getparent() is None or img.getroottree().getroot() is not tree.getroottree().getroot():
            continue  # already taken out with an earlier image's construct
        src = image_source(img)
        if not src or src.startswith("data:"):
            continue
        resolved = resolve_image_address(base_url, src)
        if resolved is None:
            found_warnings.append(WARN_INVALID_IMAGE)
            allowed = False
        else:
            src = resolved
            allowed = image_address_allowed(src, folder)
            if not allowed and refused is not None:
                refused.append(src)
        construct, extra, caption, credit = _find_caption(img)
        caption, split = split_credit(_clean_caption(caption))
        credit = _clean_credit(credit) or split
        if caption.casefold().strip(" :.") in AD_LABELS and not credit:
            continue  # an advertising slot ("Quảng cáo" over a banner) is not an article image
        if is_file_name(caption):
            caption = ""
        if not caption and not credit and (not allowed or _links_elsewhere(img)):
            continue
        # Logos, icons, trackers, ads and small pictures are furniture even with a caption-like text
        # beside them (an agency logo over its name); see content_images.
        if allowed and decorative_reason(img, src) is not None:
            continue
        image = Image(
            src=src if allowed else NO_PICTURE_SRC.format(len(lifted) + 1),
            caption=caption,
            credit=credit,
            alt="" if is_file_name(img.get("alt", "")) else normalize_space(img.get("alt", "")),
            width=_int_attr(img, "width"),
            height=_int_attr(img, "height"),
        )
        placeholder = Element("img", src=f"{PLACEHOLDER_PREFIX}{len(lifted)}.jpg")
        placeholder.tail = construct.tail
        parent = construct.getparent()
        if parent is None:
            continue
        parent.replace(construct, placeholder)
        for el in extra:
            if el.getparent() is not None:
                el.drop_tree()
        lifted.append(LiftedImage(image=image, anchor=placeholder))
    _set_text_anchors(tree, lifted)
    if warnings is not None:
        warnings.extend(found_warnings)
    return lifted
