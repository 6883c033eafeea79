"""The accuracy command: scoring rules, targets, exit codes, and the held-out prompts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from musicgen_app.plan import Plan
from musicgen_app.prompt import GenreMatcher
from musicgen_app.prompt.evaluate import TARGETS, evaluate, instrument_met, load_cases, main

HELDOUT = Path(__file__).with_name("heldout_prompts.jsonl")


def _plan(**fields) -> Plan:
    base = {"prompt": "x", "genre": "rock", "tempo_bpm": 120, "key": "C", "mode": "major"}
    return Plan(**{**base, "duration_s": 10.0, "seed": 0, **fields})


@pytest.mark.parametrize(
    ("word", "instruments", "met"),
    [
        ("Rhodes", ("electric piano",), True),
        ("electric piano", ("piano",), False),
        ("drums", ("talking drums",), True),
        ("horns", ("trumpet",), True),
        ("guitar", ("distorted guitar",), True),
        ("bass", ("synth bass",), True),
        ("808", ("synth bass",), False),
        ("pizzicato strings", ("pizzicato strings",), True),
        ("kazoo", ("kazoo",), False),
    ],
)
def test_expected_instrument_words_go_through_the_lexicon(word, instruments, met):
    assert instrument_met(word, _plan(instruments=instruments)) is met


def test_heldout_prompts_meet_every_target():
    scores = evaluate(load_cases(HELDOUT), matcher=GenreMatcher(None))
    for name, target in TARGETS.items():
        assert scores[name].accuracy >= target, (name, scores[name].misses)


def test_command_exits_non_zero_when_a_target_is_missed(tmp_path, capsys):
    wrong = {"prompt": "slow jazz ballad", "expect": {"genre": "metal", "tempo": 200}}
    path = tmp_path / "wrong.jsonl"
    path.write_text(json.dumps(wrong) + "\n", encoding="utf-8")
    assert main(["--file", str(path), "--lexical"]) == 1
    assert "NO" in capsys.readouterr().out


def test_command_exits_zero_on_the_heldout_prompts(capsys):
    assert main(["--file", str(HELDOUT), "--lexical"]) == 0
    assert "instruments" in capsys.readouterr().out
