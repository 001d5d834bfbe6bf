from pathlib import Path

import pytest

from kabar.core.errors import StageError
from kabar.core.language import LanguageDetector
from kabar.core.pipeline import Pipeline, check_publishable
from kabar.core.types import RawDocument

FIXTURES = Path(__file__).parent / "fixtures" / "html"


@pytest.fixture(scope="module")
def pipeline():
    return Pipeline(LanguageDetector(["vi", "en", "id"]))


def test_html_goes_through_extract_clean_and_detect(pipeline):
    html = (FIXTURES / "vn_cms.html").read_text(encoding="utf-8")
    doc = pipeline.process(RawDocument(url="https://bao.example/a.html", content=html))
    assert doc.title and doc.paragraphs and doc.language == "vi"
    assert len(doc.paragraphs) == len(set(doc.paragraphs))


def test_declared_language_that_disagrees_is_flagged(pipeline):
    html = (FIXTURES / "vn_cms.html").read_text(encoding="utf-8")
    doc = pipeline.process(
        RawDocument(url="https://bao.example/a.html", content=html), declared_language="id"
    )
    assert doc.language == "vi"
    assert any(flag.startswith("language-mismatch") for flag in doc.flags)


def test_text_captures_use_the_capture_parser(pipeline, shared_dir):
    text = (shared_dir / "seeds" / "000_37899a9f6d338283.txt").read_text(encoding="utf-8")
    doc = pipeline.process(RawDocument(url="file:///000.txt", content=text, kind="text"))
    assert doc.language == "id" and doc.source_url.startswith("https://nhandan.vn/")
    with pytest.raises(StageError, match="no title"):
        check_publishable(doc)


def test_a_page_without_text_fails_with_a_reason(pipeline):
    with pytest.raises(StageError) as err:
        pipeline.process(
            RawDocument(
                url="https://bao.example/empty.html", content="<html><body><nav>Home</nav></body></html>"
            )
        )
    assert err.value.stage == "extract"
