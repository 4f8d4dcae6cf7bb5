"""Deadlines, as the date the goods are needed by, computed from ``today``.

Conventions (the evaluation set is annotated with them):

* "within N days", "in N days", "N天内": today + N; weeks are 7 days, "半个月" 15 days;
  months are calendar months (31 Jan + 1 month = 28/29 Feb); "N business days" and
  "N个工作日" skip Saturdays and Sundays.
* "by Friday", "周五前": the next Friday after today (a week ahead when today is Friday);
  "this Friday", "这周五": the Friday of this week (weeks start on Monday); "next Friday",
  "下周五": the Friday of next week.
* "this week", "本周内": this week's Sunday; "next week", "下周": next week's Sunday.
* "end of (the) month", "月底": the month's last day; "end of next month", "下个月底";
  "end of the year", "年底": 31 December.
* A date without a year ("Dec 20", "12月20日", "20号前") is the next such date from
  today (this year, or next year once it has passed). "before X" is read as "by X".
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from procurement_agent.understanding.numbers import Number
from procurement_agent.understanding.numerals import parse_numeral
from procurement_agent.understanding.text import Doc

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip
ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_LEAD = r"(?:(?:by|before|until|till|due|on|no later than|not later than)\s+)?(?:the\s+)?"
_ZH_NUM = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_ZH_TAIL = r"(?:\s?(?:之前|以前|前|之内|以内|内|为止|到货|交货|送到|到))?"

ISO_DATE = re.compile(
    r"(?<!\d)(20\d{2})\s?[-/.年]\s?(\d{1,2})\s?[-/.月]\s?(\d{1,2})(?:日|号)?(?!\d)"
)
EN_MONTH_DAY = re.compile(
    _LEAD + r"\b(" + _MONTH_NAMES + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s*(20\d{2})\b)?"
)
EN_DAY_MONTH = re.compile(
    _LEAD
    + r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?("
    + _MONTH_NAMES
    + r")\b(?:,?\s*(20\d{2})\b)?"
)
US_DATE = re.compile(r"\b(?:by|before|until|till|due)\s+(\d{1,2})/(\d{1,2})(?![/\d])")
ZH_DATE = re.compile(
    r"(?:(20\d{2})\s?年\s?)?(" + _ZH_NUM + r")\s?月\s?(" + _ZH_NUM + r")\s?(?:日|号)" + _ZH_TAIL
)
ZH_MONTH_PART = re.compile(
    r"(?:(下个?|本|这个?)\s?月|(" + _ZH_NUM + r")\s?月)\s?(底|末|初|中旬|中|上旬|下旬)" + _ZH_TAIL
)
ZH_NEXT_MONTH_DAY = re.compile(r"(下个?|本|这个?)\s?月\s?(" + _ZH_NUM + r")\s?(?:号|日)" + _ZH_TAIL)
ZH_DAY_ONLY = re.compile(r"(?<![月\d])(" + _ZH_NUM + r")\s?(?:号|日)\s?(?:之前|以前|前)")
ZH_WEEKDAY = re.compile(r"(下个?|这个?|本)?\s?(?:周|星期|礼拜)\s?([一二三四五六日天末])" + _ZH_TAIL)
ZH_WEEK = re.compile(r"(下个?|这个?|本)\s?(?:周|星期|礼拜)" + _ZH_TAIL)
ZH_WORDS = re.compile(r"(大后天|后天|明天|明日|今天|今日|年底|年末|月底|月末)" + _ZH_TAIL)
EN_WEEKDAY = re.compile(
    r"\b(?:(by|before|until|till|due|on)\s+)?(?:(this|next|coming)\s+)?"
    r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues|tue|wed|thurs|thu|"
    r"fri|sat|sun)\b"
)
EN_WORDS = re.compile(
    r"\b(?:(?:by|before|until|till|within|in|due)\s+)?(?:the\s+)?"
    r"(day after tomorrow|tomorrow|today|tonight|end of (?:the |this )?week|this week|next week|"
    r"end of next month|end of (?:the |this )?month|month[- ]end|eom|end of (?:the |this )?year|"
    r"year[- ]end)\b" + _ZH_TAIL
)
_EN_DURATION_UNITS = re.compile(
    r"\s?(?:(business|working)\s+)?(days?|weeks?|wks?|months?)\b"
    r"|\s?(?:个\s?)?(工作日|天|周|星期|礼拜|月)"
)
_EN_LEAD = re.compile(r"(?:within|in|inside|under|over the next|in the next|within the next)\s+$")
A_PERIOD = re.compile(
    r"\b(?:within|in|inside)\s+(?:a|an|one|the next)\s+(week|month|day|fortnight)\b|(半个?月)"
)
_ZH_AFTER = re.compile(r"\s?(?:之内|以内|内|里|到货|交货|送到|到)")


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def add_business_days(day: date, count: int) -> date:
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def next_weekday(today: date, weekday: int, which: str | None) -> date:
    monday = today - timedelta(days=today.weekday())
    if which in ("next", "下", "下个"):
        return monday + timedelta(days=7 + weekday)
    if which in ("this", "这", "这个", "本"):
        return monday + timedelta(days=weekday)
    ahead = (weekday - today.weekday()) % 7
    return today + timedelta(days=ahead or 7)


def _upcoming(today: date, month: int, day: int, year: int | None = None) -> date | None:
    try:
        found = date(year or today.year, month, day)
    except ValueError:
        return None
    if year is None and found < today:
        found = date(today.year + 1, month, day)
    return found


def _num(text: str | None) -> int | None:
    value = parse_numeral(text) if text else None
    return int(value) if value is not None and value == value.to_integral() else None


def absolute_dates(doc: Doc, today: date) -> list[tuple[int, date]]:
    """Calendar dates (claimed): ISO, "Dec 20", "20 December", "12月20日", "by 12/20"."""
    found: list[tuple[int, date]] = []

    def take(m: re.Match[str], day: date | None) -> None:
        if day is not None and doc.is_free(m.start(), m.end()):
            doc.claim(m.start(), m.end(), "deadline")
            found.append((m.start(), day))

    for m in ISO_DATE.finditer(doc.low):
        take(m, _upcoming(today, int(m.group(2)), int(m.group(3)), int(m.group(1))))
    for m in EN_MONTH_DAY.finditer(doc.low):
        year = int(m.group(3)) if m.group(3) else None
        take(m, _upcoming(today, MONTHS[m.group(1)], int(m.group(2)), year))
    for m in EN_DAY_MONTH.finditer(doc.low):
        year = int(m.group(3)) if m.group(3) else None
        take(m, _upcoming(today, MONTHS[m.group(2)], int(m.group(1)), year))
    for m in US_DATE.finditer(doc.low):
        month, day = int(m.group(1)), int(m.group(2))
        if month > 12 >= day:
            month, day = day, month
        take(m, _upcoming(today, month, day))
    for m in ZH_DATE.finditer(doc.low):
        zh_month, zh_day = _num(m.group(2)), _num(m.group(3))
        if zh_month and zh_day:
            take(m, _upcoming(today, zh_month, zh_day, int(m.group(1)) if m.group(1) else None))
    return found


def relative_dates(doc: Doc, today: date) -> list[tuple[int, date]]:
    """Words and weekdays (claimed): "tomorrow", "by Friday", "月底前", "下周五"."""
    found: list[tuple[int, date]] = []

    def take(m: re.Match[str], day: date | None) -> None:
        if day is not None and doc.is_free(m.start(), m.end()):
            doc.claim(m.start(), m.end(), "deadline")
            found.append((m.start(), day))

    for m in ZH_MONTH_PART.finditer(doc.low):
        take(m, _month_part(today, m))
    for m in ZH_NEXT_MONTH_DAY.finditer(doc.low):
        day = _num(m.group(2))
        base = add_months(today.replace(day=1), 1 if m.group(1).startswith("下") else 0)
        take(m, _safe_date(base.year, base.month, day) if day else None)
    for m in ZH_DAY_ONLY.finditer(doc.low):
        day = _num(m.group(1))
        if day:
            this_month = _safe_date(today.year, today.month, day)
            nxt = add_months(today.replace(day=1), 1)
            take(
                m,
                this_month
                if this_month and this_month >= today
                else _safe_date(nxt.year, nxt.month, day),
            )
    for m in ZH_WEEKDAY.finditer(doc.low):
        take(m, next_weekday(today, ZH_WEEKDAYS[m.group(2)], m.group(1)))
    for m in ZH_WEEK.finditer(doc.low):
        take(m, next_weekday(today, 6, "下" if m.group(1).startswith("下") else "本"))
    for m in ZH_WORDS.finditer(doc.low):
        take(m, _zh_word(today, m.group(1)))
    for m in EN_WEEKDAY.finditer(doc.low):
        if len(m.group(3)) <= 5 and not (m.group(1) or m.group(2)):
            continue  # "sun", "sat", "wed" alone are ordinary words
        take(m, next_weekday(today, WEEKDAYS[m.group(3)], m.group(2)))
    for m in EN_WORDS.finditer(doc.low):
        take(m, _en_word(today, m.group(1)))
    return found


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_part(today: date, m: re.Match[str]) -> date | None:
    """ "月底", "下个月初", "12月中旬": a part of this, the next, or a named month."""
    which, number, part = m.group(1), _num(m.group(2)), m.group(3)
    if number is not None:
        if not 1 <= number <= 12:
            return None
        found = _part_of(date(today.year, number, 1), part)
        return found if found >= today else _part_of(date(today.year + 1, number, 1), part)
    ahead = 1 if which and which.startswith("下") else 0
    return _part_of(add_months(today.replace(day=1), ahead), part)


def _part_of(first: date, part: str) -> date:
    day = {"底": 0, "末": 0, "下旬": 0, "初": 1, "上旬": 10, "中": 15, "中旬": 15}[part]
    return month_end(first) if day == 0 else first.replace(day=day)


def _zh_word(today: date, word: str) -> date:
    if word in ("年底", "年末"):
        return date(today.year, 12, 31)
    if word in ("月底", "月末"):
        return month_end(today)
    return today + timedelta(
        days={"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2}.get(word, 3)
    )


def _en_word(today: date, word: str) -> date:
    word = word.replace("-", " ")
    if word in ("today", "tonight"):
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    if word == "day after tomorrow":
        return today + timedelta(days=2)
    if "next week" in word:
        return next_weekday(today, 6, "next")
    if "week" in word:
        return next_weekday(today, 6, "this")
    if "next month" in word:
        return month_end(add_months(today.replace(day=1), 1))
    if "month" in word or word == "eom":
        return month_end(today)
    return date(today.year, 12, 31)


def durations(doc: Doc, numbers: list[Number], today: date) -> list[tuple[int, date]]:
    """ "within 10 days", "in 2 weeks", "3 business days", "两周内", "一个月内" (claimed)."""
    found: list[tuple[int, date]] = []
    for number in numbers:
        unit = _EN_DURATION_UNITS.match(doc.low, number.end)
        if unit is None or not doc.is_free(number.start, unit.end()):
            continue
        word = unit.group(2) or unit.group(3) or ""
        business = bool(unit.group(1)) or word == "工作日"
        if word == "月" and "个" not in doc.low[number.end : unit.end()]:
            continue  # 3月 is March, 三个月 is three months
        start, end = number.start, unit.end()
        lead = _EN_LEAD.search(doc.low, max(0, start - 20), start)
        start = lead.start() if lead else start
        tail = _ZH_AFTER.match(doc.low, end)
        end = tail.end() if tail else end
        value = int(number.value) if number.value == number.value.to_integral() else None
        day = _shift(today, value, word, business)
        if day is not None:
            doc.claim(start, end, "deadline")
            found.append((start, day))
    for m in A_PERIOD.finditer(doc.low):
        if doc.is_free(m.start(), m.end()):
            tail = _ZH_AFTER.match(doc.low, m.end())
            doc.claim(m.start(), tail.end() if tail else m.end(), "deadline")
            found.append((m.start(), _a_period(today, m.group(1) or m.group(2))))
    return found


def _a_period(today: date, word: str) -> date:
    if word == "fortnight":
        return today + timedelta(days=14)
    if word in ("week", "星期", "礼拜"):
        return today + timedelta(days=7)
    if word == "day":
        return today + timedelta(days=1)
    if word == "month":
        return add_months(today, 1)
    return today + timedelta(days=15)  # 半个月


def _shift(today: date, value: int | None, word: str, business: bool) -> date | None:
    if value is None or not 0 < value <= 3650:
        return None
    if business:
        return add_business_days(today, value)
    if word.startswith(("day", "天")):
        return today + timedelta(days=value)
    if word.startswith(("week", "wk", "周", "星期", "礼拜")):
        return today + timedelta(days=7 * value)
    if word.startswith(("month", "月")):
        return add_months(today, value)
    return None
