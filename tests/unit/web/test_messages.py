"""Every text a page shows exists in both languages, and every key a template or a web module
asks for is defined (a missing one would fail only when that page is shown)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from serving.web import i18n
from serving.web.messages import MESSAGES

WEB = Path(i18n.__file__).parent
KEY = re.compile(r"""\bt\(\s*['"]([a-z0-9_.]+)['"]\s*[,)]""")  # t('a.' ~ x): not checked


def _used_keys() -> set[tuple[str, str]]:
    found = set()
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        for key in KEY.findall(path.read_text(encoding="utf-8")):
            found.add((key, str(path.relative_to(WEB))))
    return found


def test_every_message_has_english_and_chinese() -> None:
    for key, (en, zh) in MESSAGES.items():
        assert en.strip(), key
        assert zh.strip(), key
        assert set(re.findall(r"{(\w+)}", en)) == set(re.findall(r"{(\w+)}", zh)), key


def test_every_key_a_page_asks_for_is_defined() -> None:
    used = _used_keys()
    assert len(used) > 15
    missing = sorted((k, where) for k, where in used if k not in MESSAGES)
    assert missing == []


def test_translate_fills_placeholders_and_refuses_unknown_keys() -> None:
    assert i18n.translate("en", "core.signed_in_as", name="Li") == "Signed in as Li"
    assert i18n.translate("zh", "core.signed_in_as", name="Li") == "已登录：Li"
    with pytest.raises(i18n.MissingMessageError):
        i18n.translate("en", "core.no_such_key")


@pytest.mark.parametrize(
    ("header", "locale"),
    [("en-GB,en;q=0.9", "en"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("fr-FR", "zh"),
     ("fr;q=1, en;q=0.5", "en"), ("", "zh"), ("en;q=abc, zh;q=0.2", "zh")],
)  # fmt: skip
def test_accept_language(header: str, locale: str) -> None:
    assert i18n.from_accept_language(header) == locale
