from kabar.core.text.dedup import NearDuplicateIndex, from_bytes, signature, to_bytes

STORY = (
    "Hội chợ nông sản mùa thu mở cửa tại công viên trung tâm với hơn hai trăm gian hàng "
    "của các hợp tác xã đến từ mười hai tỉnh, giới thiệu gạo, cà phê, trái cây và đặc sản vùng miền. "
    "Ban tổ chức dự kiến đón khoảng năm mươi nghìn lượt khách trong bốn ngày diễn ra sự kiện."
)


def test_a_republished_copy_with_small_edits_is_found():
    index = NearDuplicateIndex(threshold=0.8)
    index.add("1", signature(STORY))
    index.add(
        "2",
        signature(
            "Giá vàng trong nước giảm nhẹ sau ba phiên tăng liên tiếp, theo các doanh nghiệp kinh doanh."
        ),
    )
    copy = STORY + " Ảnh: Minh Anh."
    key, similarity = index.best_match(signature(copy))
    assert key == "1" and similarity >= 0.8


def test_different_text_is_not_a_duplicate():
    index = NearDuplicateIndex()
    index.add("1", signature(STORY))
    assert (
        index.best_match(signature("Đội tuyển bóng chuyền nữ giành vé vào chung kết giải vô địch châu Á."))
        is None
    )


def test_signatures_survive_storage_as_bytes():
    mh = signature(STORY)
    restored = from_bytes(to_bytes(mh))
    assert restored.jaccard(mh) == 1.0
    index = NearDuplicateIndex()
    index.add("9", restored)
    assert index.best_match(mh)[0] == "9"
