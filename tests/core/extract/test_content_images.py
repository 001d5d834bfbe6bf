"""Content images against page furniture, over the markup styles news sites use."""

from __future__ import annotations

import pytest
from lxml.html import HtmlElement, fromstring

from kabar.core.extract.content_images import (
    declared_size,
    decorative_reason,
    furniture_name,
    largest_srcset_width,
    too_small,
)
from kabar.core.extract.extract import extract_html
from kabar.core.extract.extract_images import image_source

BODY = "".join(
    f"<p>Paragraph {i} of the story: the river rose overnight and the old town's streets filled with water, "
    "so shops stayed shut, schools sent children home and volunteers carried food to the families upstairs.</p>"
    for i in range(6)
)


def _img(markup: str) -> tuple[HtmlElement, str]:
    tree = fromstring(f"<html><body>{markup}</body></html>")
    img = next(tree.iter("img"))
    return img, image_source(img) or img.get("src", "")


@pytest.mark.parametrize(
    ("markup", "why"),
    [
        # a cookie notice's button (sportsnet.ca), a themed close icon (deccanherald.com)
        ('<img src="https://s.example/plugins/notice/public/images/close.png" alt="close">', "close"),
        ('<img src="/themes/dh/images/icons/close.png" alt="Close">', "icons"),
        ('<header><a href="/"><img src="/img/masthead.png" alt=""></a></header>', "header"),
        ('<nav><img src="/img/menu.png" alt=""></nav>', "nav"),
        ('<footer><img src="/img/x.png" alt=""></footer>', "footer"),
        ('<img role="presentation" class="fs-author-image" src="/people/bruce.jpg">', "role"),
        ('<img role="none" src="/a/photo.jpg">', "role"),
        ('<img aria-hidden="true" src="/a/photo.jpg">', "aria-hidden"),
        ('<img class="site-logo" src="/a/b.png">', "logo"),
        ('<img id="brandLogo" src="/a/b.png">', "logo"),
        ('<img class="ShareIcon" src="/a/b.png">', "share"),
        ('<img class="btn-facebook" src="/a/b.png">', "btn"),
        ('<img src="https://cdn.example/img/social/avatars/male2.jpg?width=39&height=39">', "avatars"),
        ('<img src="/static/sprite-2x.png">', "sprite"),
        ('<img src="/banners/summer-sale.jpg">', "banners"),
        ('<img src="/ads/300x250/offer.jpg">', "ads"),
        ('<img src="http://b.scorecardresearch.com/p?c1=2&amp;c2=7395269">', "tracker"),
        ('<img src="https://www.facebook.com/tr?id=1&amp;ev=PageView">', "tracking pixel"),
        ('<img src="https://stats.g.doubleclick.net/x.gif">', "tracker"),
        # an agency's 115×115 logo, WordPress 150×150 thumbnails, a 728×90 strip
        ('<img src="/uploads/ttxvn.png" width="115" height="115">', "too small"),
        ('<img src="/uploads/dp3_1_en-150x150.png" width="150" height="150">', "too small"),
        ('<img src="/uploads/strip.jpg" width="728" height="90">', "too small"),
        ('<img src="/uploads/p.jpg" width="120px">', "too small"),
        ('<img src="/u/a.jpg" srcset="/u/a-90.jpg 90w, /u/a-180.jpg 180w">', "srcset"),
    ],
)
def test_furniture_is_named_with_its_reason(markup: str, why: str) -> None:
    img, src = _img(markup)
    reason = decorative_reason(img, src)
    assert reason is not None and why in reason, reason


@pytest.mark.parametrize(
    "markup",
    [
        '<figure><img src="/uploads/2019/11/vw-concept-26.jpg" width="1680" height="946"></figure>',
        '<img src="https://s.hdnux.com/photos/01/07/05/53/18635468/5/landscape_32.jpg" alt="Will Smith closer">',
        '<img src="/wp-content/files/2019/11/5dd410a8ad4e3.image_.jpg">',  # "ad" inside a hash
        '<img src="/public/P576YUSSWVG77AD5IZICKXZ35M.jpg">',
        '<img src="/photo/shareholders-meeting.jpg" alt="Shareholders">',
        '<img src="/photo/facebook-ceo.jpg" alt="The chief executive">',  # a story about Facebook
        '<img src="/u/a.jpg" srcset="/u/a-400.jpg 400w, /u/a-800.jpg 800w">',
        '<img src="/u/a.jpg" srcset="/u/a.jpg 1x, /u/a@2x.jpg 2x">',
        '<img src="/u/a.jpg" width="100%">',
        '<article><header><img src="/u/hero.jpg" alt="Flood in Hue"></header></article>',
        '<img src="/u/portrait.jpg" width="200" height="300">',
    ],
)
def test_content_images_pass(markup: str) -> None:
    img, src = _img(markup)
    assert decorative_reason(img, src) is None


def test_size_rules() -> None:
    assert too_small(115, 115) and too_small(728, 90) and too_small(199, None) and too_small(None, 99)
    assert not too_small(200, 100) and not too_small(None, None) and not too_small(1200, 800)
    assert declared_size("300px") == 300 and declared_size(" 640 ") == 640
    assert declared_size("100%") is None and declared_size("auto") is None and declared_size("0") is None
    assert largest_srcset_width("a.jpg 320w, b.jpg 1024w") == 1024
    assert largest_srcset_width("a.jpg 1x, b.jpg 2x") is None and largest_srcset_width("a.jpg") is None
    assert furniture_name("icon_close") == "icon" and furniture_name("closer.jpg") is None
    assert furniture_name("logo2.png") == "logo" and furniture_name("twitter.png") is None
    assert furniture_name("twitter", markup=True) == "twitter"


def test_extraction_keeps_the_photo_and_drops_the_furniture() -> None:
    html = f"""<html><head><title>Flood</title></head><body>
      <header><img src="https://paper.example/logo.png" alt=""></header>
      <div class="notice"><img src="https://paper.example/img/close.png" alt="close"></div>
      <article><h1>Flood</h1>
        <figure><img src="https://paper.example/photo/flood.jpg" width="960" height="640">
          <figcaption>Water in the old town. Ảnh: Ngọc Hân</figcaption></figure>
        {BODY}
        <p><img src="https://paper.example/up/ttxvn.png" width="115" height="115"> TTXVN</p>
        <img src="https://pixel.wp.com/g.gif?v=1" alt="">
      </article></body></html>"""
    doc = extract_html(html, url="https://paper.example/news/flood.html", timeout=None)
    assert [image.src for image in doc.images] == ["https://paper.example/photo/flood.jpg"]
    assert doc.images[0].credit == "Ngọc Hân"
