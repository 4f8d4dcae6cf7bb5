"""The product phrase: what is left of the buyer's words once quantities, money, dates,
places, preferences and cues are claimed, read from the most telling place first.

1. right after the quantity ("500 stainless M8 bolts", "500个304不锈钢M8螺栓");
2. after a search word ("looking for A4 copy paper", "有没有认证的供应商卖LED灯泡");
3. the first phrase of the turn ("best value office chairs, 40 of them").

Specs inside the phrase are left out (they are slots of their own), unless a material is
the head of the phrase: "copy paper" stays "copy paper", "不锈钢板" stays whole (a material
followed by a single character is one word in Chinese). An English head noun is made
singular ("bolts" -> "bolt") so that it matches titles in both numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from procurement_agent.understanding.numerals import parse_numeral
from procurement_agent.understanding.text import SOFT, Doc, is_han

STOP_EN = frozenset(
    ["to", "for", "in", "within", "by", "before", "under", "below", "delivered", "deliver",
     "delivering", "ship", "shipped", "with", "at", "from", "that", "which", "who", "and", "or",
     "please", "pls", "w", "is", "are", "was", "be", "we", "i", "you", "it", "they", "on", "near",
     "per", "each", "than", "should", "can", "could", "would", "will", "do", "does", "did", "have",
     "has", "had", "me", "us", "my", "our", "your", "their", "this", "these", "those", "what",
     "how", "why", "when", "where", "if", "so", "but", "not", "no", "just", "also", "too", "very",
     "around", "about", "approximately", "roughly", "only", "total", "there", "here", "then",
     "now", "yet", "all", "into", "over", "via", "through", "need", "want", "asap", "urgently",
     "latest", "max", "maximum", "budget", "up", "less", "more", "than", "as", "quantity", "qty",
     "amount", "deadline", "date", "time", "address", "location", "price", "total", "approx",
     "approximately", "circa", "nearly", "almost", "least"]
)  # fmt: skip
LEAD_SKIP_EN = frozenset(
    ["the", "a", "an", "some", "any", "me", "us", "our", "my", "of", "for", "on", "to", "good",
     "quality", "high", "new", "decent", "bulk", "wholesale", "additional", "extra", "several",
     "kind", "type", "sort", "few", "couple", "lot", "lots", "bunch"]
)  # fmt: skip
JUNK = frozenset(
    ["them", "it", "one", "ones", "this", "that", "these", "those", "stuff", "something",
     "anything", "more", "all", "what", "which", "there", "thing", "things", "item", "items",
     "product", "products", "goods", "order", "right", "good", "fine", "nice", "okay", "ok",
     "well", "yes", "no"]
)  # fmt: skip
_SKIP_TAGS = frozenset(
    {"filler", "pref", "cue:search", "cue:supplier", "cue:edit", "cue:select", "cue:refnoun"}
)
STOP_ZH = ("以及", "还有", "或者", "送到", "送往", "发到", "发往", "寄到", "运到", "交货", "到货",
           "价格", "单价", "数量", "质量", "和", "跟", "与", "及", "吗", "呢", "吧", "啊", "呀",
           "了", "哦", "嘛", "或")  # fmt: skip
MAX_WORDS, MAX_HAN, MAX_CHARS = 6, 12, 60
_INVARIANT = frozenset(
    ["scissors", "pliers", "trousers", "jeans", "shorts", "goggles", "tongs", "glasses", "pants",
     "series", "species", "news", "chassis", "lens", "gas", "bus", "canvas", "headphones",
     "earphones", "clothes"]
)  # fmt: skip
_IE_WORDS = frozenset(
    ["hoodie", "cookie", "beanie", "brownie", "smoothie", "zombie", "movie", "rookie", "selfie",
     "bootie", "onesie", "necktie", "bowtie", "pixie", "calorie", "hippie", "freebie", "goalie",
     "auntie", "prairie", "walkie", "talkie"]
)  # fmt: skip
_IRREGULAR = {"knives": "knife", "shelves": "shelf", "leaves": "leaf", "halves": "half",
              "loaves": "loaf", "potatoes": "potato", "tomatoes": "tomato", "feet": "foot",
              "teeth": "tooth", "mice": "mouse"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Piece:
    kind: str  # word | han | de (的) | stop | mark | punct
    start: int
    end: int
    text: str  # the lower-case text, or a mark's tag
    soft: bool = False


@dataclass(frozen=True, slots=True)
class ProductPhrase:
    text: str
    head_material: tuple[int, int] | None  # the span of a material kept in the product
    start: int
    anchored: bool = True  # after a quantity or a search word, not just the turn's first words


def pieces(doc: Doc) -> list[Piece]:
    n, low = len(doc.text), doc.low
    mark_at = [-1] * n
    for index, (start, end, _tag) in enumerate(doc.marks):
        mark_at[start:end] = [index] * (end - start)
    out: list[Piece] = []
    i = 0
    while i < n:
        j = i + 1
        if mark_at[i] >= 0:
            while j < n and mark_at[j] == mark_at[i]:
                j += 1
            out.append(Piece("mark", i, j, doc.marks[mark_at[i]][2], doc.owner[i] == SOFT))
        elif is_han(low[i]):
            while j < n and mark_at[j] < 0 and is_han(low[j]):
                j += 1
            out += _split_han(i, low[i:j])
        elif low[i].isalnum():
            while j < n and mark_at[j] < 0 and low[j].isalnum() and not is_han(low[j]):
                j += 1
            out.append(Piece("word", i, j, low[i:j]))
        elif not low[i].isspace() and low[i] not in "-/'’&+":
            out.append(Piece("punct", i, j, low[i]))
        i = j
    return out


def _split_han(start: int, run: str) -> list[Piece]:
    out: list[Piece] = []
    i = last = 0
    while i < len(run):
        stop = "的" if run[i] == "的" else next((s for s in STOP_ZH if run.startswith(s, i)), None)
        if stop is None:
            i += 1
            continue
        if i > last:
            out.append(Piece("han", start + last, start + i, run[last:i]))
        out.append(Piece("de" if stop == "的" else "stop", start + i, start + i + len(stop), stop))
        i = last = i + len(stop)
    if last < len(run):
        out.append(Piece("han", start + last, start + len(run), run[last:]))
    return out


def find_product(doc: Doc, parts: list[Piece]) -> ProductPhrase | None:
    """Of the phrases after the quantity and after search words, the one said first
    ("printer toner, 60 cartridges": the toner); else the first phrase of the turn."""
    marks = [(i + 1, p.text) for i, p in enumerate(parts) if p.kind == "mark"]
    anchored = [
        phrase
        for k, tag in marks
        if tag in ("quantity", "cue:search")
        and (phrase := _phrase_at(doc, parts, k, anchored=True)) is not None
    ]
    if anchored:
        return min(anchored, key=lambda phrase: phrase.start)
    starts = [0] + [i + 1 for i, p in enumerate(parts) if p.kind in ("punct", "mark")]
    phrase = next((p for k in starts if (p := _phrase_at(doc, parts, k)) is not None), None)
    return None if phrase is None else replace(phrase, anchored=False)


def _skippable(piece: Piece) -> bool:
    if piece.kind == "mark":
        return piece.text in _SKIP_TAGS
    return piece.kind == "de" or (piece.kind == "word" and piece.text in LEAD_SKIP_EN)


def _phrase_at(
    doc: Doc, parts: list[Piece], k: int, *, anchored: bool = False
) -> ProductPhrase | None:
    while k < len(parts) and _skippable(parts[k]):
        k += 1
    items: list[Piece] = []
    while k < len(parts):
        p = parts[k]
        is_stop_word = p.kind == "word" and p.text in STOP_EN
        if is_stop_word or p.kind in ("punct", "stop") or (p.kind == "mark" and not p.soft):
            break
        items.append(p)
        k += 1
    groups: list[list[Piece]] = [[]]
    for p in items:
        if p.kind == "de":
            groups.append([])
        else:
            groups[-1].append(p)
    for group in reversed(groups):
        phrase = _clean(doc, group, anchored)
        if phrase is not None:
            return phrase
    return None


def _clean(doc: Doc, group: list[Piece], anchored: bool) -> ProductPhrase | None:
    if not group:
        return None
    content = [p for p in group if p.kind in ("word", "han")]
    head: tuple[int, int] | None = None
    last = group[-1]
    materials = [p for p in group if p.kind == "mark" and p.text == "material"]
    if last.kind == "mark" and last.text == "material":
        head = (last.start, last.end)  # "copy paper", "Q235 steel": the material is the noun
    elif len(content) == 1 and len(content[0].text) == 1 and is_han(content[0].text):
        before = [p for p in materials if p.end == content[0].start]
        if before:
            head = (before[-1].start, before[-1].end)  # 不锈钢 + 板
        elif not anchored and not any(p.end <= content[0].start for p in group):
            return None  # a stray character ("先", "有") is not a product; "要纸", "A4纸" are
    if not content and head is None:
        return None
    if content and all(p.text in JUNK or parse_numeral(p.text) is not None for p in content):
        return None  # pronouns, fillers and numbers ("两千" in "不是两千") name no product
    kept = [p for p in group if p.kind in ("word", "han") or (head and p.start == head[0])]
    text = _join(doc, kept)
    words = [p for p in kept if p.kind == "word"]
    han = sum(len(p.text) for p in kept if p.kind == "han")
    if len(words) > MAX_WORDS or han > MAX_HAN or not text or len(text) > MAX_CHARS:
        return None
    return ProductPhrase(_singular_tail(text), head, kept[0].start)


def _join(doc: Doc, kept: list[Piece]) -> str:
    out = ""
    previous: Piece | None = None
    for p in kept:
        text = doc.low[p.start : p.end]
        if previous is not None and _latin(out[-1:]) and _latin(text[:1]):
            gap = doc.low[previous.end : p.start]
            out += "-" if gap == "-" else " "
        out += text
        previous = p
    return out.strip()


def _latin(ch: str) -> bool:
    return bool(ch) and ch.isascii() and ch.isalnum()


def singular(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word in _INVARIANT or len(word) <= 3 or not word.endswith("s"):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-1] if word[:-1] in _IE_WORDS else word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if word.endswith(("ss", "us", "is", "as")):
        return word
    return word[:-1]


def _singular_tail(text: str) -> str:
    head, sep, last = text.rpartition(" ")
    if last and last.isascii() and last.isalpha():
        return head + sep + singular(last)
    return text
