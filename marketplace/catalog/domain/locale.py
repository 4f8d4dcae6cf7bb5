"""Locale tags and the fallback rule for translated text.

Fallback rule (products, categories): given a requested locale such as ``zh-CN``, serve
the first locale that has a translation among

1. the exact requested tag (``zh-CN``),
2. its language (``zh``),
3. the product's ``default_locale`` (the merchant's choice when the product was created),
4. ``en``,
5. ``zh``,
6. any available locale (the alphabetically first, so the answer is stable).

Every response says which locale it served, so a client can tell a fallback from a match.
Tags are compared case-insensitively and written canonically: language lower-case,
a two-letter region upper-case, a four-letter script title-case (``zh-Hant-TW``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from marketplace.catalog.domain.errors import InvalidLocaleError

_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,2}$")
UNIVERSAL_FALLBACKS = ("en", "zh")


def normalize_locale(tag: str) -> str:
    """Canonical form of a locale tag: ``zh_cn`` -> ``zh-CN``; raises ``invalid_locale``."""
    if not isinstance(tag, str) or not _TAG.match(tag.strip()):
        raise InvalidLocaleError(tag)
    parts = tag.strip().replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 2 and part.isalpha():
            out.append(part.upper())
        elif len(part) == 4 and part.isalpha():
            out.append(part.title())
        else:
            out.append(part.lower())
    return "-".join(out)


def language_of(tag: str) -> str:
    return tag.split("-", 1)[0]


def fallback_chain(requested: str | None, default_locale: str | None) -> list[str]:
    """The ordered, de-duplicated locales to try before falling back to any available one."""
    chain: list[str] = []
    if requested:
        chain += [requested, language_of(requested)]
    if default_locale:
        chain.append(default_locale)
    chain += UNIVERSAL_FALLBACKS
    return list(dict.fromkeys(chain))


def resolve_locale(
    requested: str | None, available: Collection[str], default_locale: str | None = None
) -> str | None:
    """The locale to serve from ``available`` (None only when nothing is available)."""
    if not available:
        return None
    for candidate in fallback_chain(requested, default_locale):
        if candidate in available:
            return candidate
    return min(available)


def parse_accept_language(header: str | None) -> str | None:
    """The most preferred valid tag of an ``Accept-Language`` header (``*`` ignored)."""
    if not header:
        return None
    best: tuple[float, int, str] | None = None
    for index, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                weight = float(params[2:])
            except ValueError:
                continue
        tag = tag.strip()
        if weight <= 0 or tag == "*" or not _TAG.match(tag):
            continue
        key = (-weight, index, tag)
        if best is None or key < best:
            best = key
    return normalize_locale(best[2]) if best else None


def pick_text(texts: dict[str, str], requested: str | None, default: str | None = None) -> str:
    """Resolve a ``{locale: text}`` map (category names) with the fallback rule."""
    served = resolve_locale(requested, texts.keys(), default)
    return texts[served] if served is not None else ""


def validate_locales(tags: Iterable[str]) -> list[str]:
    return [normalize_locale(t) for t in tags]
