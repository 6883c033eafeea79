"""Accuracy of prompt understanding on labelled prompts: ``python -m musicgen_app.prompt.evaluate``.

Each line of the file is ``{"prompt": ..., "expect": {...}}`` with any of ``genre``, ``tempo``,
``tempo_range``, ``instruments``, ``exclude``, ``mood``, ``key``, ``time_signature``, ``ambience``.
Expected instruments are free words ("808", "horns", "Rhodes") read through the same lexicon as prompts;
a family word ("drums", "guitar") is met by any member of the family. The command prints per-field
accuracy and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..plan import Plan
from ..request import GenerationRequest
from .embed import GenreMatcher, default_matcher
from .instrument_words import family_members, instrument_for_word
from .interpret import interpret
from .keys import spell_pitch_class

__all__ = ["TARGETS", "Case", "FieldScore", "evaluate", "instrument_met", "load_cases", "main"]

DEFAULT_FILE = Path(__file__).resolve().parents[3] / "shared" / "prompts" / "dev_prompts.jsonl"

#: Minimum accuracy per field; fields without a target are reported only.
TARGETS: dict[str, float] = {
    "genre": 0.90,
    "tempo": 1.0,
    "tempo_range": 0.90,
    "instruments": 0.85,
    "exclude": 1.0,
}


@dataclass(frozen=True)
class Case:
    """One labelled prompt."""

    prompt: str
    expect: dict


@dataclass
class FieldScore:
    """Hits out of checks for one field, and the misses for the report."""

    hits: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.hits / self.total if self.total else 1.0

    def add(self, ok: bool, note: str) -> None:
        self.total += 1
        self.hits += int(ok)
        if not ok:
            self.misses.append(note)


def load_cases(path: Path) -> list[Case]:
    """Read a JSON-lines file of ``{"prompt", "expect"}`` objects (blank lines skipped)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Case(row["prompt"], row.get("expect", {})) for row in map(json.loads, filter(None, lines))]


def instrument_met(word: str, plan: Plan) -> bool:
    """Whether the plan holds the instrument an expected free word names (family words: any member)."""
    members = family_members(word)
    if members:
        return any(name in plan.instruments for name in members)
    names = instrument_for_word(word)
    return bool(names) and all(name in plan.instruments for name in names)


def _key_met(expected: str, plan: Plan) -> bool:
    tonic, *mode = expected.split()
    return spell_pitch_class(tonic) == plan.key and (not mode or mode[0].lower() == plan.mode)


def _score_case(case: Case, plan: Plan, scores: dict[str, FieldScore]) -> None:
    expect, prompt = case.expect, case.prompt
    checks: list[tuple[str, bool, str]] = []
    if "genre" in expect:
        checks.append(("genre", plan.genre == expect["genre"], plan.genre))
    if "tempo" in expect:
        checks.append(("tempo", plan.tempo_bpm == expect["tempo"], str(plan.tempo_bpm)))
    if "tempo_range" in expect:
        low, high = expect["tempo_range"]
        checks.append(("tempo_range", low <= plan.tempo_bpm <= high, str(plan.tempo_bpm)))
    for word in expect.get("instruments", ()):
        checks.append(("instruments", instrument_met(word, plan), f"{word} not in {plan.instruments}"))
    for word in expect.get("exclude", ()):
        checks.append(("exclude", word in plan.excluded, f"{word} not in {plan.excluded}"))
    for word in expect.get("mood", ()):
        checks.append(("mood", word in plan.moods, f"{word} not in {plan.moods}"))
    if "key" in expect:
        checks.append(("key", _key_met(expect["key"], plan), plan.key_name))
    if "time_signature" in expect:
        meter = f"{plan.time_signature[0]}/{plan.time_signature[1]}"
        checks.append(("time_signature", meter == expect["time_signature"], meter))
    for word in expect.get("ambience", ()):
        checks.append(("ambience", word in plan.ambience, f"{word} not in {plan.ambience}"))
    for name, ok, got in checks:
        scores.setdefault(name, FieldScore()).add(ok, f"{prompt!r}: got {got}")


def evaluate(cases: Iterable[Case], *, matcher: GenreMatcher | None = None) -> dict[str, FieldScore]:
    """Interpret every case (seed 0) and score each expected field."""
    scores: dict[str, FieldScore] = {}
    for case in cases:
        plan = interpret(GenerationRequest(prompt=case.prompt), seed=0, matcher=matcher)
        _score_case(case, plan, scores)
    return scores


def _report(scores: dict[str, FieldScore], *, verbose: bool) -> bool:
    print(f"{'field':<16}{'hits':>6}{'total':>7}{'accuracy':>10}{'target':>8}  ok")
    passed = True
    for name, score in scores.items():
        target = TARGETS.get(name)
        ok = target is None or score.accuracy >= target
        passed &= ok
        target_text = f"{target:.0%}" if target is not None else "-"
        line = f"{name:<16}{score.hits:>6}{score.total:>7}{score.accuracy:>10.1%}{target_text:>8}"
        print(f"{line}  {'yes' if ok else 'NO'}")
        for miss in score.misses if verbose or not ok else ():
            print(f"    miss: {miss}")
    return passed


def main(argv: list[str] | None = None) -> int:
    """Command line: ``--file PATH`` (default: the shared dev prompts), ``--lexical``, ``--verbose``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="JSON-lines labelled prompts")
    parser.add_argument("--lexical", action="store_true", help="no embedding model for the fallback")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    matcher = GenreMatcher(None) if args.lexical else default_matcher()
    cases = load_cases(args.file)
    scores = evaluate(cases, matcher=matcher)
    method = "lexical" if args.lexical or not matcher.loaded else "semantic"
    print(f"{len(cases)} prompts from {args.file} (genre fallback: {method})")
    return 0 if _report(scores, verbose=args.verbose) else 1


if __name__ == "__main__":
    sys.exit(main())
