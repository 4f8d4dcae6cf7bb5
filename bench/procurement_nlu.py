"""Procurement-request understanding: intent accuracy and slot precision/recall/F1 of the
deterministic parser on the annotated utterances, and its latency per utterance.

Three parts, printed side by side: ``dev`` (the rules were tuned on it), ``test`` (held
out: written before any rule) and ``test2`` (a second held-out set, written once the first
had been looked at); see docs/agent/understanding.md for how each was used. Slot
figures are micro-averaged, then per language (en, zh, mixed) and per slot. Latency is
wall time per ``parse`` call, one thread, each utterance parsed ``--repeat`` times.

    python -m bench.procurement_nlu [--errors dev|test|all] [--repeat 20] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from procurement_agent.understanding import parse
from procurement_agent.understanding.evaluation import (
    DATA_DIR,
    SLOTS,
    Counts,
    Report,
    evaluate,
    load_rows,
    percentile,
)

PARTS = ("dev", "test", "test2")


def _row(label: str, reports: dict[str, Report], value: str) -> str:
    cells = []
    for part in PARTS:
        report = reports[part]
        counts = {"micro": report.micro, **report.per_slot, **report.per_lang}.get(value)
        cells.append(
            f"{counts.precision:6.3f} {counts.recall:6.3f} {counts.f1:6.3f} "
            f"{counts.tp + counts.fn:4d}"
            if counts is not None
            else f"{'-':>6} {'-':>6} {'-':>6} {0:4d}"
        )
    return f"{label:<16}" + "   ".join(cells)


def summary(reports: dict[str, Report]) -> dict[str, object]:
    out: dict[str, object] = {}
    for part, r in reports.items():
        out[part] = {
            "rows": r.rows,
            "intent_accuracy": round(r.intent_accuracy, 4),
            "intent_accuracy_per_lang": {
                lang: round(right / total, 4) for lang, (right, total) in r.intent_per_lang.items()
            },
            "slot_micro": _prf(r.micro),
            "slot_per_lang": {lang: _prf(c) for lang, c in r.per_lang.items()},
            "slot_per_slot": {slot: _prf(c) for slot, c in r.per_slot.items()},
            "latency_ms": {
                "p50": round(percentile(r.latencies_ms, 50), 3),
                "p95": round(percentile(r.latencies_ms, 95), 3),
            },
        }
    return out


def _prf(c: Counts) -> dict[str, float]:
    return {"precision": round(c.precision, 4), "recall": round(c.recall, 4),
            "f1": round(c.f1, 4), "support": c.tp + c.fn}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--errors", choices=(*PARTS, "all", "none"), default="none")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    reports = {p: evaluate(load_rows(DATA_DIR / f"{p}.jsonl"), parse, repeat=args.repeat)
               for p in PARTS}  # fmt: skip
    head = "   ".join(f"{p + ' P':>6} {'R':>6} {'F1':>6} {'n':>4}" for p in PARTS)
    print(f"{'':<16}{head}")
    for part in PARTS:
        r = reports[part]
        per_lang = ", ".join(f"{lang} {right}/{total}" for lang, (right, total)
                             in sorted(r.intent_per_lang.items()))  # fmt: skip
        print(f"intent accuracy {part}: {r.intent_accuracy:.3f} ({r.intent_correct}/{r.rows}; "
              f"{per_lang})")  # fmt: skip
    print(_row("slots (micro)", reports, "micro"))
    for lang in ("en", "zh", "mixed"):
        print(_row(f"  lang {lang}", reports, lang))
    for slot in SLOTS:
        print(_row(f"  {slot}", reports, slot))
    for part in PARTS:
        lat = reports[part].latencies_ms
        print(f"latency {part}: p50 {percentile(lat, 50):.3f} ms, p95 {percentile(lat, 95):.3f} ms"
              f" per utterance ({len(lat)} utterances x {args.repeat})")  # fmt: skip
    for part in PARTS if args.errors == "all" else (args.errors,) if args.errors != "none" else ():
        print(f"\n-- {part} errors --")
        for line in reports[part].errors:
            print(line)
    if args.json:
        args.json.write_text(json.dumps(summary(reports), indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
