"""``kabar translate --all-missing`` over a batch where some articles have no route: the rest goes through."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from translation_helpers import VI, store

from kabar.news.models import Article, ArticleText

pytestmark = pytest.mark.django_db


def test_unroutable_articles_in_the_middle_of_the_batch_are_skipped_and_reported(spy, outlet):
    before = store(outlet, url="https://thu.example/1.html", title=VI[40])
    # Between the two by id: a Khmer article (no engine has km→en) and one whose original is gone.
    khmer = store(outlet, url="https://thu.example/2.html", title=VI[41])
    Article.objects.filter(pk=khmer.pk).update(source_language="km")
    ArticleText.objects.filter(article=khmer).update(language="km")
    broken = store(outlet, url="https://thu.example/3.html", title=VI[42])
    ArticleText.objects.filter(article=broken).delete()
    after = store(outlet, url="https://thu.example/4.html", title=VI[43])

    out = io.StringIO()
    with pytest.raises(CommandError) as left_out:
        call_command("translate", "--all-missing", "--to", "en", "--json", stdout=out, stderr=io.StringIO())
    assert left_out.value.returncode == 1  # some left out; 2 is kept for misuse
    summary = json.loads(out.getvalue())
    assert summary["translated"] == 2
    assert ArticleText.objects.get(article=before, language="en").status == "machine"
    assert ArticleText.objects.get(article=after, language="en").status == "machine"
    assert [(s["source"], s["articles"]) for s in summary["skipped"]] == [("km", 1)]
    assert "no engine for km→en" in summary["skipped"][0]["reason"]
    failed = [o for o in summary["outcomes"] if o["action"] == "failed"]
    assert [(o["article"], o["reason"]) for o in failed] == [
        (broken.pk, f"article {broken.pk} has no original text")
    ]
    assert "1 article in km not translated into en" in str(left_out.value)
    assert "1 translation failed" in str(left_out.value)


def test_the_console_script_exits_1_when_some_were_skipped(tmp_path, tiny_vi_en):
    # A real `kabar translate` process over its own database, as an operator's script runs it.
    env = {
        **os.environ,
        "KABAR_DATA_DIR": str(tmp_path),
        "KABAR_DATABASE_URL": f"sqlite:///{tmp_path / 'k.sqlite3'}",
        "KABAR_MT_ENGINES": json.dumps({"ctranslate2": {"models": [{"path": str(tiny_vi_en)}]}}),
        "KABAR_MT_ROUTES": "",
        "KABAR_TASKS_BACKEND": "immediate",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def kabar(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kabar", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )

    assert kabar("migrate", "-v", "0").returncode == 0
    script = (
        "from django.utils import timezone\n"
        "from kabar.news.models import Article, ArticleText, Outlet\n"
        "o = Outlet.objects.create(name='O', slug='o', home_url='https://o.example/', language='vi')\n"
        "for n, lang in enumerate(['vi', 'km', 'vi']):\n"
        "    a = Article.objects.create(outlet=o, source_url=f'https://o.example/{n}', source_language=lang,"
        " published_at=timezone.now())\n"
        f"    ArticleText.objects.create(article=a, language=lang, title={VI[44]!r} + str(n), slug=f's{{n}}',"
        " status='original', blocks=[{'type': 'paragraph', 'text': " + repr(VI[45]) + "}])\n"
    )
    assert kabar("shell", "-c", script).returncode == 0
    done = kabar("translate", "--all-missing", "--to", "en")
    assert done.returncode == 1, done.stderr[-2000:]
    assert "1 article in km not translated into en (no engine for the pair)" in done.stderr
    assert "skipped: no engine for the pair" in done.stdout
