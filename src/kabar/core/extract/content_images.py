"""Which images of a page are the article's pictures, and which are page furniture.

A news page carries many ``<img>`` that are not part of the story: the site's logo, a
"close" button of a cookie notice (``close.png``), share and social icons, author avatars,
sprites, tracking pixels, advertising banners, and agency logos of 115×115 px. Ingestion
downloads and republishes only content images, so each image is judged here, before it
is ever fetched, on what the markup says:

* its role: ``role="presentation"``/``"none"``, ``aria-hidden="true"``, or an empty
  ``alt`` inside the page's ``header``/``nav``/``footer``/``aside`` (decorative by the
  page's own declaration);
* its names: class, id or file name with a furniture word (logo, icon, avatar, sprite,
  close, share, banner, ads …) as a whole word, so "closer" or "shareholders" are not;
* trackers and ad servers by host or path (doubleclick, ``/pixel``, ``facebook.com/tr``);
* its size: declared ``width``/``height`` attributes or a ``srcset`` whose largest
  candidate is small. After download the decoded size is checked again with the same rule
  (``too_small``), since many pages declare no size at all.

Everything here is pure (no network, no Django) and returns the reason as words, so a
skipped image can be reported with why.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml.html import HtmlElement

# Under this width, or under MIN_CONTENT_HEIGHT in height, a picture is an icon, a logo,
# a thumbnail or a strip banner, not a photo an editor would republish.
MIN_CONTENT_WIDTH = 200
MIN_CONTENT_HEIGHT = 100

# Words that name furniture wherever they stand: in a class, an id or a file name.
FURNITURE_WORDS = (
    "logo|logos|icon|icons|ico|favicon|avatar|avatars|gravatar|sprite|sprites|close|btn|button|"
    "share|sharing|banner|banners|ad|ads|advert|advertisement|adv|sponsor|sponsored|"
    "badge|emoji|emoticon|spinner|loader|tracking|tracker|pixel|spacer"
)
# Words that name furniture in a class or id only: "facebook-ceo.jpg" may be a story's photo,
# but an <img class="facebook"> is the share button.
MARKUP_ONLY_WORDS = (
    "social|arrow|rating|stars|facebook|twitter|whatsapp|zalo|telegram|linkedin|pinterest|rss|print|email"
)
# Words separated by anything that is not a letter: "site-logo", "icon_close", "ads/", "logo2.png",
# "ShareIcon" (camel case is split before matching); "closer" and "shareholders" are no match.
_FURNITURE = re.compile(rf"(?:^|[^a-z0-9])(?:{FURNITURE_WORDS})(?:$|[^a-z])")
_MARKUP_FURNITURE = re.compile(rf"(?:^|[^a-z0-9])(?:{FURNITURE_WORDS}|{MARKUP_ONLY_WORDS})(?:$|[^a-z])")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
TRACKER_HOSTS = re.compile(
    r"(?:^|\.)(?:doubleclick\.net|googlesyndication\.com|google-analytics\.com|googletagmanager\.com|"
    r"scorecardresearch\.com|quantserve\.com|adnxs\.com|criteo\.(?:com|net)|taboola\.com|outbrain\.com|"
    r"amazon-adsystem\.com|moatads\.com|pixel\.wp\.com|stats\.wp\.com|bat\.bing\.com|"
    r"adtima\.vn|admicro\.vn|eclick\.vn)$"
)
TRACKER_PATHS = re.compile(r"(?:^|/)(?:tr|pixel|beacon|track|collect|impression)(?:$|[/?.])", re.I)
DECORATIVE_ROLES = frozenset({"presentation", "none"})
FURNITURE_REGIONS = frozenset({"header", "nav", "footer", "aside"})
_SIZE = re.compile(r"\s*([0-9]{1,6})(?:\.[0-9]+)?\s*(?:px)?\s*$")
_WIDTH_DESCRIPTOR = re.compile(r"^([0-9]{1,6})w$")


def too_small(width: int | None, height: int | None) -> bool:
    """Whether a known size is an icon's, a logo's or a strip banner's (unknown sides do not count)."""
    return bool((width and width < MIN_CONTENT_WIDTH) or (height and height < MIN_CONTENT_HEIGHT))


def declared_size(value: str | None) -> int | None:
    """A width/height attribute as pixels ("300", "300px"); None for "100%", "auto" or nothing."""
    match = _SIZE.match(value or "")
    return int(match.group(1)) or None if match else None


def largest_srcset_width(srcset: str) -> int | None:
    """The widest candidate of a srcset with width descriptors ("a.jpg 150w, b.jpg 300w" → 300)."""
    widths = []
    for candidate in srcset.split(","):
        parts = candidate.split()
        if len(parts) < 2:
            return None  # a candidate without a width: its size is unknown
        match = _WIDTH_DESCRIPTOR.match(parts[1])
        if match is None:
            return None  # density descriptors ("2x") say nothing about pixels
        widths.append(int(match.group(1)))
    return max(widths) if widths else None


def _words(value: str) -> str:
    return _CAMEL.sub("-", value).lower()


def furniture_name(value: str, *, markup: bool = False) -> str | None:
    """The furniture word in a file name or path ("site-logo.png" → "logo"); ``markup``: a class or id."""
    match = (_MARKUP_FURNITURE if markup else _FURNITURE).search(_words(value))
    return re.sub(r"[^a-z]", "", match.group(0)) if match else None


def tracker_reason(src: str) -> str | None:
    try:
        parts = urlsplit(src)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if TRACKER_HOSTS.search(host):
        return f"tracker or ad server ({host})"
    if TRACKER_PATHS.search(parts.path) and not parts.path.lower().endswith((".jpg", ".jpeg", ".webp")):
        return "tracking pixel"
    return None


def _file_name(src: str) -> str:
    try:
        path = urlsplit(src).path
    except ValueError:
        path = src
    # The folders count too: "/images/icons/close.png", "/ads/300x250/offer.jpg".
    return path


def decorative_reason(img: HtmlElement, src: str) -> str | None:
    """Why ``img`` (whose picture is ``src``) is page furniture, or None for a content image."""
    role = (img.get("role") or "").strip().lower()
    if role in DECORATIVE_ROLES:
        return f'decorative (role="{role}")'
    if (img.get("aria-hidden") or "").strip().lower() == "true":
        return 'decorative (aria-hidden="true")'
    if img.get("alt") is not None and not img.get("alt", "").strip():
        region = next((a.tag for a in img.iterancestors() if a.tag in FURNITURE_REGIONS), None)
        if region is not None:
            return f'decorative (alt="" inside <{region}>)'
    tracker = tracker_reason(src)
    if tracker:
        return tracker
    for attribute in ("class", "id"):
        word = furniture_name(img.get(attribute) or "", markup=True)
        if word:
            return f"page furniture ({attribute} names {word!r})"
    word = furniture_name(_file_name(src))
    if word:
        return f"page furniture (file name names {word!r})"
    width, height = declared_size(img.get("width")), declared_size(img.get("height"))
    if too_small(width, height):
        return f"too small ({width or '?'}×{height or '?'} px declared)"
    srcset = img.get("srcset") or img.get("data-srcset") or ""
    widest = largest_srcset_width(srcset) if srcset.strip() else None
    if widest is not None and too_small(widest, None):
        return f"too small (srcset at most {widest} px wide)"
    return None
