"""Every console page, for every role, in Chinese: no English catalog words, no raw codes, no raw ids.

The English words looked for are those of the catalogs' own msgids (what a missing
translation would show), and the codes those the glossary translates (what a value shown
without the glossary would show). Data (names, numbers, R-000123) is not English.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from fieldapp import glossary
from tests.console.helpers import post_form, sign_in
from tests.console.tour import build_tour

CATALOGS = Path(__file__).resolve().parents[2] / "fieldapp" / "translations" / "zh" / "LC_MESSAGES"
WORD = re.compile(r"(?<![\w.-])[A-Za-z][A-Za-z_']{2,}(?![\w.-])")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Units, marks and product names a Chinese page writes in Latin letters on purpose.
ALLOWED = {"mmHg", "TD", "EN", "SMS", "CSV", "Excel", "XLSX", "Redis", "REDIS_URL"}


def _msgid_words() -> set[str]:
    words: set[str] = set()
    for domain in ("console", "messages"):
        with (CATALOGS / f"{domain}.po").open("rb") as source:
            for message in read_po(source):
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                for text in ids:
                    cleaned = re.sub(r"%\(\w+\)\w|\{\w+\}", " ", text or "")
                    words.update(w.lower() for w in WORD.findall(cleaned))
    return words


ENGLISH = _msgid_words()
CODES = {code for terms in glossary.GLOSSARY.values() for code in terms if len(code) >= 3}


class _Text(HTMLParser):
    """What a person reads: text outside scripts and styles, and the labels in attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def readable_text(html: str) -> str:
    """The page's text as a person reads it."""
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def problems_in(html: str) -> list[str]:
    """English catalog words, raw codes and raw ids in a page's readable text."""
    text = readable_text(html)
    found = []
    for word in WORD.findall(text):
        if word in ALLOWED:
            continue
        if word.lower() in ENGLISH:
            found.append(f"English: {word}")
        elif word in CODES:
            found.append(f"code: {word}")
    found += [f"id: {match}" for match in UUID.findall(text)]
    return found


def test_the_checker_finds_english_codes_and_ids() -> None:
    page = '<p title="Overdue">高血压 hypertension</p><script>var Resident = 1;</script>'
    assert problems_in(page) == ["English: Overdue", "English: hypertension"]
    assert problems_in(f"<td>{'0' * 8}-0000-0000-0000-{'0' * 12}</td>") == [
        f"id: {'0' * 8}-0000-0000-0000-{'0' * 12}"
    ]
    assert problems_in("<td>R-000123 · 150/95 mmHg · 回复TD退订 · mgr1</td>") == []


@pytest.mark.parametrize("who", ["manager", "desk", "admin"])
def test_every_console_page_reads_in_chinese(client: FlaskClient, app: object, who: str) -> None:
    user, paths = build_tour().stops[who]
    sign_in(client, user, lang="zh")
    report = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        found = problems_in(response.get_data(as_text=True))
        if found:
            report[path] = sorted(set(found))
    assert report == {}


def test_the_login_page_reads_in_chinese(client: FlaskClient, app: object) -> None:
    page = client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert problems_in(page) == [] and "村医随访" in page and "fieldapp" not in page


def test_refused_forms_explain_in_chinese(client: FlaskClient, app: object) -> None:
    tour = build_tour(rows=2)
    admin, _paths = tour.stops["admin"]
    manager, _paths = tour.stops["manager"]
    sign_in(client, admin, lang="zh")
    post_form(client, "/console/admin/townships", {"code": "DUP", "name": "重复镇"})
    pages = [
        post_form(
            client, "/console/admin/townships", {"code": "DUP", "name": "重复镇"}, follow_redirects=True
        ),
        post_form(
            client, "/console/admin/townships", {"code": "bad code!", "name": ""}, follow_redirects=True
        ),
        post_form(
            client,
            "/console/admin/users",
            {"username": "x", "password": "short", "role": "village_doctor"},
            follow_redirects=True,
        ),
    ]
    sign_in(client, manager, lang="zh")
    pages.append(post_form(client, "/console/patrols", {"kind": "stationing"}, follow_redirects=True))
    for response in pages:
        html = response.get_data(as_text=True)
        assert 'class="flash error"' in html
        assert problems_in(html) == [], readable_text(html)[:400]
    assert "已有编码或名称相同的乡镇" in pages[0].get_data(as_text=True)
