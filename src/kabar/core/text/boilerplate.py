"""Lines of page furniture that are never article text.

Three kinds, each kept as data per language so that adding a language is
adding rows, not editing a regex:

* ``BOILERPLATE`` — whole lines that are page furniture: comment counters,
  share bars, "Print", "Back to top", log-in prompts, empty-state texts;
* ``LIST_HEADINGS`` — headings that start a trailing list of *other* stories
  ("Tin liên quan", "Baca juga", "Related"); everything after one is not the
  article;
* ``READ_ALSO_LABELS`` — labels of an inline link to another story inside the
  body ("Baca juga: <headline>").
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Exact phrases, compared case-insensitively after whitespace and trailing
# punctuation are stripped. Counters like "Bình luận (3)" are in COUNTER_WORDS.
BOILERPLATE: dict[str, tuple[str, ...]] = {
    "vi": (
        "Chia sẻ",
        "Chia sẻ bài viết",
        "Chia sẻ Facebook",
        "In bài viết",
        "In",
        "Quay lại",
        "Trở lại",
        "Lên đầu trang",
        "Về đầu trang",
        "Đăng nhập",
        "Đăng ký",
        "Đăng nhập để bình luận",
        "Gửi bình luận",
        "Viết bình luận",
        "Không có dữ liệu",
        "Chưa có bình luận",
        "Theo dõi",
        "Lưu",
        "Lưu bài viết",
        "Sao chép liên kết",
        "Copy link",
        "Bản in",
        "Gửi bài",
        "Nghe bài viết",
        "Tải thêm",
        "Xem tiếp",
        "Xem bình luận",
        "Tags",
        "Từ khóa",
        "Từ khoá",
        "Thẻ",
        # Legacy layouts: the tool bar under the story, the newsletter box, advertising slots.
        "In bài",
        "Gửi email",
        "Gửi e-mail",
        "Chia sẻ In bài Gửi email",
        "Đăng ký nhận bản tin",
        "Đăng ký nhận tin",
        "Quảng cáo",
        "Thu gọn",
    ),
    "id": (
        "Bagikan",
        "Bagikan artikel",
        "Cetak",
        "Kembali",
        "Kembali ke atas",
        "Masuk",
        "Daftar",
        "Langganan",
        "Berlangganan",
        "Masuk untuk berkomentar",
        "Tulis komentar",
        "Kirim komentar",
        "Tidak ada data",
        "Belum ada komentar",
        "Ikuti",
        "Simpan",
        "Salin tautan",
        "Muat lebih banyak",
        "Tag",
        "Label",
        "Iklan",
        "Gulir untuk melanjutkan",
        "Scroll untuk melanjutkan membaca",
    ),
    "en": (
        "Share",
        "Share this",
        "Share this article",
        "Share on Facebook",
        "Share on Twitter",
        "Print",
        "Print this article",
        "Email",
        "Back",
        "Back to top",
        "Go back",
        "Log in",
        "Login",
        "Sign in",
        "Sign up",
        "Subscribe",
        "Subscribe now",
        "Log in to comment",
        "Sign in to comment",
        "Write a comment",
        "Post comment",
        "No data",
        "No comments yet",
        "Be the first to comment",
        "Follow",
        "Follow us",
        "Save",
        "Copy link",
        "Load more",
        "Advertisement",
        "Tags",
        "Scroll to continue with content",
        "Continue reading below",
        "Sponsored",
    ),
}

# Words that make a comment/like/view counter: "Komentar (0)", "Bình luận (3)", "12 comments".
COUNTER_WORDS: dict[str, tuple[str, ...]] = {
    "vi": ("Bình luận", "Ý kiến", "Ý kiến bạn đọc", "Lượt xem", "Thích"),
    "id": ("Komentar", "Suka", "Dilihat", "Dibaca"),
    "en": ("Comments", "Comment", "Likes", "Views", "Shares"),
}

# Names of share targets; a line made only of these is a share bar.
SHARE_TARGETS: tuple[str, ...] = (
    "Facebook",
    "Twitter",
    "X",
    "Zalo",
    "LinkedIn",
    "Telegram",
    "WhatsApp",
    "Line",
    "Email",
    "E-mail",
    "Messenger",
    "Pinterest",
    "Reddit",
    "Copy link",
    "Print",
    "In",
    "Cetak",
    "Share",
    "Chia sẻ",
    "Bagikan",
)

LIST_HEADINGS: dict[str, tuple[str, ...]] = {
    "vi": (
        "Xem thêm",
        "Tin liên quan",
        "Bài liên quan",
        "Tin cùng chuyên mục",
        "Cùng chuyên mục",
        "Cùng tác giả",
        "Tin khác",
        "Các tin khác",
        "Các tin đã đưa",
        "Tin đã đưa",
        "Tin mới",
        "Tin mới nhất",
        "Tin nổi bật",
        "Đọc thêm",
        "Đọc nhiều",
        "Có thể bạn quan tâm",
        "Bạn có thể quan tâm",
        "Tin đọc nhiều",
    ),
    "id": (
        "Baca juga",
        "Baca lainnya",
        "Dalam kategori yang sama",
        "Dari penulis yang sama",
        "Berita terkait",
        "Artikel terkait",
        "Berita lainnya",
        "Berita terkini",
        "Berita terpopuler",
        "Terpopuler",
        "Pilihan editor",
        "Rekomendasi",
    ),
    "en": (
        "Read more",
        "Read also",
        "Related",
        "Related news",
        "Related articles",
        "Related stories",
        "More from this author",
        "More from",
        "In the same category",
        "Same category",
        "Same author",
        "More stories",
        "Most read",
        "Most popular",
        "Latest news",
        "You may also like",
        "Recommended",
    ),
    # Republished partners and benchmark pages also come in Portuguese and Spanish.
    "pt": (
        "Você pode gostar",
        "Você também pode gostar",
        "Leia também",
        "Veja também",
        "Notícias relacionadas",
        "Posts relacionados",
        "Artigos relacionados",
    ),
    "es": ("Te puede interesar", "También te puede interesar", "Noticias relacionadas", "Lee también"),
}

READ_ALSO_LABELS: dict[str, tuple[str, ...]] = {
    "vi": ("Xem thêm", "Đọc thêm", "Tin liên quan", "Xem", "Mời xem"),
    "id": ("Baca juga", "Baca", "Simak juga", "Lihat juga", "Berita terkait"),
    "en": ("Read more", "Read also", "See also", "Related", "Also read"),
}


_SPACES = re.compile(r"\s+")
MEMO_MAX_CHARS = 1000  # furniture lines are short: longer ones are not worth their room in the memo


def _key(line: str) -> str:
    """Line reduced to what the phrase tables compare against.

    Memoized for short lines (a pure function of the line): extraction asks about the
    text of nearly every short element of a page twice (list heading? boilerplate?),
    and clean asks again about each block.
    """
    return _short_key(line) if len(line) <= MEMO_MAX_CHARS else _compute_key(line)


def _compute_key(line: str) -> str:
    line = unicodedata.normalize("NFC", line).replace("\u00a0", " ")
    line = _SPACES.sub(" ", line).strip().strip(" :.…»›>|-–—•·")
    return line.casefold()


_short_key = functools.lru_cache(maxsize=2048)(_compute_key)


def _phrases(table: dict[str, tuple[str, ...]]) -> frozenset[str]:
    return frozenset(_key(p) for group in table.values() for p in group)


def _alternation(table: dict[str, tuple[str, ...]]) -> str:
    words = {p for group in table.values() for p in group}
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_BOILERPLATE = _phrases(BOILERPLATE)
_LIST_HEADINGS = _phrases(LIST_HEADINGS)
_SHARE_TARGETS = frozenset(_key(t) for t in SHARE_TARGETS)
_COUNTER = re.compile(
    rf"^(?:(?:{_alternation(COUNTER_WORDS)})\s*[:(\[]?\s*\d[\d.,]*\s*[)\]]?"
    rf"|\d[\d.,]*\s*(?:{_alternation(COUNTER_WORDS)}))$",
    re.I,
)
_LABEL_LINE = re.compile(r"^(?:tags?|từ khó[aá]|từ khoá|thẻ|label|topik|topics?|chủ đề)\s*:", re.I)
_READ_ALSO = re.compile(rf"^\s*[\[(]?\s*(?:{_alternation(READ_ALSO_LABELS)})\s*[:>»›]\s*\S", re.I)
MAX_FURNITURE_CHARS = 120  # article sentences are longer; furniture lines are short


def is_boilerplate(line: str) -> bool:
    """True for a line that is page furniture, never article text."""
    key = _key(line)
    if not key or len(key) > MAX_FURNITURE_CHARS:
        return False
    if key in _BOILERPLATE or _COUNTER.match(key) or _LABEL_LINE.match(key):
        return True
    parts = [p for p in re.split(r"[\s|/,•·]+", key) if p]
    # "Facebook Twitter Zalo", "Chia sẻ Facebook" — a bar made only of share targets.
    joined_targets = " ".join(parts)
    return bool(parts) and (
        all(p in _SHARE_TARGETS or p in {"chia", "sẻ", "copy", "link"} for p in parts)
        and any(p in _SHARE_TARGETS for p in parts)
        and joined_targets not in {"in", "line", "x"}  # single short words too ambiguous alone
    )


def is_list_heading(line: str) -> bool:
    """True for a heading that starts a list of other stories ("Tin liên quan", "Baca juga")."""
    return _key(line) in _LIST_HEADINGS


def is_read_also_line(line: str) -> bool:
    """True for an inline link to another story: "Baca juga: <headline>", "Xem thêm: ...".

    The label must be followed by a colon (or »/>) and a headline, so a body
    sentence that starts with "Xem thêm" in its ordinary meaning stays.
    """
    return bool(_READ_ALSO.match(unicodedata.normalize("NFC", line)))
