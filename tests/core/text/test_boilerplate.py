import pytest

from kabar.core.text.boilerplate import (
    BOILERPLATE,
    LIST_HEADINGS,
    READ_ALSO_LABELS,
    is_boilerplate,
    is_list_heading,
    is_read_also_line,
)


@pytest.mark.parametrize(
    "line",
    [
        "Komentar (0)",
        "Bình luận (3)",
        "Comments (12)",
        "12 comments",
        "Lượt xem: 1.234",
        "No data",
        "Không có dữ liệu",
        "Chia sẻ",
        "Share",
        "Bagikan",
        "Facebook Twitter Zalo",
        "Chia sẻ Facebook",
        "Facebook | Twitter | Email",
        "Print",
        "Cetak",
        "Tags: Việt Nam, Triều Tiên, Tổng Bí thư",
        "Từ khóa: giá vàng",
        "Quay lại",
        "Back to top",
        "Kembali ke atas",
        "Đăng nhập để bình luận",
        "Subscribe now",
        "Berlangganan",
        "  share \u00a0",
    ],
)
def test_furniture_lines(line):
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "Kunjungan tersebut juga berkontribusi untuk mewujudkan tujuan pembangunan.",
        "Chia sẻ kinh nghiệm phát triển kinh tế, Tổng Bí thư nhấn mạnh vai trò của doanh nghiệp.",
        "Bình luận viên Quang Huy nhận định trận đấu rất căng thẳng.",
        "Share prices in Hanoi rose 2% on Monday.",
        "Facebook said it removed 1,200 fake accounts in Vietnam.",
        "Hanoi",
        "Sumber: https://nhandan.vn/abc-post913963.html",
        "HANH NGUYEN",
        "",
    ],
)
def test_article_lines_are_not_furniture(line):
    assert not is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "Xem thêm",
        "Tin liên quan",
        "Tin liên quan:",
        "Cùng chuyên mục",
        "Cùng tác giả",
        "Đọc thêm",
        "Baca juga",
        "Dalam kategori yang sama",
        "Dari penulis yang sama",
        "Berita terkait",
        "Read more",
        "Related",
        "Read also",
        "More from this author",
        "In the same category",
        "Same author",
        "  TIN LIÊN QUAN  ",
    ],
)
def test_list_headings(line):
    assert is_list_heading(line)


@pytest.mark.parametrize(
    "line",
    [
        "Xem thêm: Giá vàng hôm nay tăng mạnh",  # an inline link, not a heading
        "Warisan",
        "Tin liên quan đến vụ cháy chung cư mini được công bố chiều nay.",
        "Related parties must disclose their holdings.",
    ],
)
def test_not_list_headings(line):
    assert not is_list_heading(line)


@pytest.mark.parametrize(
    "line",
    [
        "Baca juga: Harga emas Antam naik Rp 10.000 hari ini",
        "Xem thêm: Giá vàng hôm nay tăng mạnh",
        "Đọc thêm: Hà Nội ra mắt tuyến metro mới",
        "Read more: Vietnam's GDP grows 8.2% in third quarter",
        "Read also » Floods hit central Vietnam",
        "[Baca juga: Jokowi resmikan tol baru]",
    ],
)
def test_read_also_lines(line):
    assert is_read_also_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Xem thêm nhiều hình ảnh tại triển lãm ở Văn Miếu.",
        "Baca juga",  # a heading, handled by is_list_heading
        "Read more books, the minister urged students.",
        "Kunjungan kenegaraan ke Korea Utara.",
    ],
)
def test_not_read_also_lines(line):
    assert not is_read_also_line(line)


def test_tables_are_grouped_per_language():
    for table in (BOILERPLATE, LIST_HEADINGS, READ_ALSO_LABELS):
        assert {"vi", "id", "en"} <= set(table)
