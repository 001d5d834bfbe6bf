import pytest

from kabar.core.text.credits import is_file_name, split_credit


@pytest.mark.parametrize(
    ("text", "caption", "credit"),
    [
        ("Ảnh: Nguyễn Văn A", "", "Nguyễn Văn A"),
        (
            "Thủ tướng Phạm Minh Chính phát biểu tại hội nghị. Ảnh: VGP/Nhật Bắc",
            "Thủ tướng Phạm Minh Chính phát biểu tại hội nghị.",
            "VGP/Nhật Bắc",
        ),
        ("Quang cảnh phiên khai mạc (Ảnh: TTXVN)", "Quang cảnh phiên khai mạc", "TTXVN"),
        ("Toàn cảnh hội nghị — Ảnh: Hải Nguyễn", "Toàn cảnh hội nghị", "Hải Nguyễn"),
        ("Người dân xếp hàng mua vàng - Ảnh minh họa: Internet", "Người dân xếp hàng mua vàng", "Internet"),
        ("(Ảnh: TTXVN) Lễ đón chính thức tại Phủ Chủ tịch", "Lễ đón chính thức tại Phủ Chủ tịch", "TTXVN"),
        ("Biểu đồ giá xăng dầu. Nguồn: Bộ Công Thương", "Biểu đồ giá xăng dầu.", "Bộ Công Thương"),
        (
            "Presiden Prabowo Subianto di Istana Merdeka. Foto: Antara",
            "Presiden Prabowo Subianto di Istana Merdeka.",
            "Antara",
        ),
        (
            "Kim Jong Un berpidato di Pyongyang. (Foto: Yonhap/VNA)",
            "Kim Jong Un berpidato di Pyongyang.",
            "Yonhap/VNA",
        ),
        ("Banjir di Jakarta Utara (Foto oleh Budi Santoso)", "Banjir di Jakarta Utara", "Budi Santoso"),
        ("Floodwater in Hue city. Photo: Reuters", "Floodwater in Hue city.", "Reuters"),
        (
            "Floodwater in Hue city. Photo by Linh Pham/Getty Images",
            "Floodwater in Hue city.",
            "Linh Pham/Getty Images",
        ),
        ("Lễ thượng cờ tại Quảng trường Ba Đình. (TTXVN)", "Lễ thượng cờ tại Quảng trường Ba Đình.", "TTXVN"),
        ("Delegates at the summit (Reuters/AFP)", "Delegates at the summit", "Reuters/AFP"),
    ],
)
def test_credit_is_taken_off_the_caption(text, caption, credit):
    assert split_credit(text) == (caption, credit)


@pytest.mark.parametrize(
    "text",
    [
        # a parenthesis that is not an agency name stays text
        "Korea Utara menjalin hubungan diplomatik dengan Vietnam (sejak 1950)",
        # an agency named inside a sentence is not a credit
        "Hà Nội (TTXVN) - Giá vàng trong nước tăng mạnh sáng nay",
        "Theo Reuters, giá dầu giảm 2% trong phiên giao dịch",
        # a "Source:" followed by a URL is a source line, not a photo credit
        "Source: https://vnexpress.net/gia-vang-tang-4800000.html",
        # "Ảnh" as an ordinary word, no colon
        "Triển lãm ảnh đẹp về Hà Nội mùa thu",
        "",
    ],
)
def test_text_without_a_credit_is_left_alone(text):
    assert split_credit(text) == (text.strip(), "")


def test_credit_longer_than_a_name_is_not_a_credit():
    sentence = "Hội nghị kết thúc. Nguồn: " + "các chuyên gia cho biết thị trường sẽ còn biến động mạnh " * 3
    assert split_credit(sentence)[1] == ""


def test_bare_agency_can_be_refused():
    text = "Lễ thượng cờ tại Quảng trường Ba Đình. (TTXVN)"
    assert split_credit(text, bare_agency=False) == (text, "")
    assert split_credit("Lễ thượng cờ. Ảnh: TTXVN", bare_agency=False) == ("Lễ thượng cờ.", "TTXVN")


def test_decomposed_vietnamese_label_is_recognised():
    decomposed = "Quang ca\u0309nh. A\u0309nh: TTXVN"
    assert split_credit(decomposed) == ("Quang cảnh.", "TTXVN")


@pytest.mark.parametrize(
    "text",
    [
        "img-8949-8066.jpg",
        "img-8931.jpg",
        "DSC_0012.JPG",
        "anh-1.png",
        "photo.webp",
        "  IMG_20251012_093015.jpeg ",
        "https://cdn.vietnam.vn/media/2025/10/12/img-8949.jpg?width=800",
        "/uploads/anh bia (1).png",
    ],
)
def test_image_file_names(text):
    assert is_file_name(text)


@pytest.mark.parametrize(
    "text",
    [
        "Kim Jong Un berpidato.",
        "Phiên bản 1.2 đã phát hành",
        "Tải file anh-1.png tại đây để xem chi tiết",
        "report.pdf",
        "folder/anh-1.png",
        "",
        "jpg",
    ],
)
def test_not_image_file_names(text):
    assert not is_file_name(text)
