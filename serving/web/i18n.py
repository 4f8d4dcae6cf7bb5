"""The pages' two languages. Every text a template shows is a key of ``serving.web.messages``
(English and Chinese side by side, one module per area); ``t(key, **values)`` picks the
reader's language and fills ``{placeholders}``. Supplier- and merchant-written text (titles,
descriptions) is data, shown as written or from the catalogue's translations.

The language comes from ``?lang=`` (and is then kept in the ``agora_lang`` cookie), else the
cookie, else the browser's ``Accept-Language``, else Chinese.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request

from serving.web.messages import MESSAGES

LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"
LANG_COOKIE = "agora_lang"


class MissingMessageError(KeyError):
    """A template asked for a key no messages module defines (a test catches these)."""


def translate(locale: str, key: str, /, **values: object) -> str:
    try:
        en, zh = MESSAGES[key]
    except KeyError:
        raise MissingMessageError(key) from None
    text = zh if locale == "zh" else en
    return text.format(**values) if values else text


def negotiate(request: Request) -> str:
    """The reader's language (see the module docstring)."""
    asked = request.query_params.get("lang")
    if asked in LOCALES:
        return asked
    kept = request.cookies.get(LANG_COOKIE)
    if kept in LOCALES:
        return kept
    return from_accept_language(request.headers.get("accept-language", ""))


def from_accept_language(header: str) -> str:
    best, best_q = DEFAULT_LOCALE, -1.0
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LOCALES and q > best_q:
            best, best_q = primary, q
    return best


def pick(locale: str, texts: Mapping[str, str] | None, fallback: str = "") -> str:
    """A catalogue text in the reader's language, else the other one, else ``fallback``."""
    if not texts:
        return fallback
    return texts.get(locale) or next(iter(texts.values()), fallback)
