import pytest

from marketplace.catalog.domain.errors import InvalidLocaleError
from marketplace.catalog.domain.locale import (
    fallback_chain,
    normalize_locale,
    parse_accept_language,
    pick_text,
    resolve_locale,
)


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("zh", "zh"), ("ZH_cn", "zh-CN"), ("en-us", "en-US"), ("zh-hant-tw", "zh-Hant-TW")],
)
def test_normalize_locale(tag: str, expected: str) -> None:
    assert normalize_locale(tag) == expected


@pytest.mark.parametrize("tag", ["", "z", "english!", "zh--CN", "12"])
def test_normalize_locale_refuses_garbage(tag: str) -> None:
    with pytest.raises(InvalidLocaleError):
        normalize_locale(tag)


def test_fallback_chain_order() -> None:
    assert fallback_chain("zh-CN", "ja") == ["zh-CN", "zh", "ja", "en"]
    assert fallback_chain(None, "fr") == ["fr", "en", "zh"]


@pytest.mark.parametrize(
    ("requested", "available", "default", "served"),
    [
        ("zh-CN", {"zh-CN", "zh", "en"}, "en", "zh-CN"),  # exact
        ("zh-CN", {"zh", "en"}, "en", "zh"),  # its language
        ("fr-FR", {"ja", "de", "en"}, "ja", "ja"),  # product default
        ("fr-FR", {"zh", "de", "en"}, "ja", "en"),  # then en
        ("fr", {"zh", "de"}, "ja", "zh"),  # then zh
        ("fr", {"ko", "de"}, "ja", "de"),  # then any (stable: first alphabetically)
        (None, {"zh", "en"}, "zh", "zh"),  # nothing asked: product default
        ("en", set(), "zh", None),  # nothing to serve
    ],
)
def test_resolve_locale_follows_the_fallback_rule(
    requested: str | None, available: set[str], default: str, served: str | None
) -> None:
    assert resolve_locale(requested, available, default) == served


def test_region_of_request_does_not_match_other_region() -> None:
    # zh-TW asked, only zh-CN present: not the same tag nor the bare language.
    assert resolve_locale("zh-TW", {"zh-CN", "en"}, "en") == "en"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("en;q=0.5, zh-tw;q=0.9", "zh-TW"),
        ("*, fr;q=0.1", "fr"),
        ("en;q=0", None),
        ("", None),
        (None, None),
        ("garbage;;;", None),
    ],
)
def test_parse_accept_language(header: str | None, expected: str | None) -> None:
    assert parse_accept_language(header) == expected


def test_pick_text_for_category_names() -> None:
    names = {"zh": "女装", "en": "Women's clothing"}
    assert pick_text(names, "zh-CN") == "女装"
    assert pick_text(names, "de") == "Women's clothing"
    assert pick_text({}, "de") == ""
