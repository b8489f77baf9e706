"""Do synthetic voices' wrong sounds turn amber or red, and is the sound said named?

The trust issue's own cases ("sink" for *think*, "wery" for *very*, "sheep" for *ship*,
"tree" for *three*, "I sink sis is ze light way"), each read by every voice here (espeak-ng's
US and British voices, and the packaged Piper voice when it is installed) against its prompt,
and the correct reading of each prompt by the same voice. A wrong sound counts as *flagged*
when its phone is amber or red (or the whole take is refused), *named* when heard-as is the
sound the voice was told to say; each row also gives the phone's most likely confusable
sound and its margin in nats beside the head's confusion line (the amber cap's evidence:
how much room a model's ear leaves). The real-speech figures live in ``tutor bench --substitute``;
this is the synthetic-voice view beside them (``tests/test_trust.py`` holds the issue's three
words and its sentence, espeak-ng's US voice, as tests for the shipped pair).

    python -m tutor.train.voice_check assets/models runs/chain_x/student_int8 [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from tutor.scoring.audio import Audio, load_audio
from tutor.scoring.engine import Scorer
from tutor.scoring.errors import NotThePromptError
from tutor.scoring.result import PhoneResult, UtteranceResult
from tutor.voice.espeak import espeak_available, espeak_wave
from tutor.voice.voices import VoiceInfo, list_voices


@dataclass(frozen=True)
class Case:
    prompt: str
    said: str
    targets: tuple[tuple[int, str, str], ...]  # (word index in the prompt, phone, sound said)


CASES = (
    Case("think", "sink", ((0, "TH", "S"),)),
    Case("very", "wery", ((0, "V", "W"),)),
    Case("ship", "sheep", ((0, "IH", "IY"),)),
    Case("three", "tree", ((0, "TH", "T"),)),
    Case("thank you very much", "sank you wery much", ((0, "TH", "S"), (2, "V", "W"))),
    Case(
        "I think this is the right way",
        "I sink sis is ze light way",
        ((1, "TH", "S"), (2, "DH", "S"), (4, "DH", "Z"), (5, "R", "L")),
    ),
)
ESPEAK_VOICES = ("en-us", "en-gb")
ESPEAK_WPM = 140  # as the trust tests read them
PIPER_PAD_S = 0.15  # silence around a Piper take, as a recording has

Voice = Callable[[str], Audio]


@dataclass(frozen=True)
class Row:
    voice: str
    prompt: str
    said: str
    phone: str
    should_hear: str
    score: float | None  # None: the take was refused
    right_score: float | None  # the same phone in the voice's correct reading
    heard: str
    flagged: bool
    named: bool
    # the phone's most likely confusable sound in the wrong take and its margin over the
    # phone in nats (the amber cap's evidence, against the head's confusion line)
    rival: str = ""
    margin: float | None = None  # None: the take was refused


def voices() -> dict[str, Voice]:
    """The voices that can speak here, by name."""
    out: dict[str, Voice] = {}
    if espeak_available():
        for name in ESPEAK_VOICES:
            out[f"espeak-ng {name}"] = partial(espeak_take, name)
    for info in list_voices():
        if info.kind == "piper" and not info.problem():
            out[f"piper {info.name}"] = partial(piper_take, info)
    return out


def cache(say: Voice) -> Voice:
    """``say`` that speaks each text once: Piper samples its voice, so every model is scored
    on the same audio within a run."""
    return lru_cache(maxsize=None)(say)


def espeak_take(voice: str, text: str) -> Audio:
    return load_audio(*espeak_wave(text, voice, ESPEAK_WPM))


def piper_take(info: VoiceInfo, text: str) -> Audio:
    """Piper's take with the silence a recording has around it: Piper starts and stops on
    the speech, and a short word can then fall under the engine's shortest take."""
    speech = info.speak(text)
    pad = np.zeros(int(PIPER_PAD_S * speech.rate), np.float32)
    return load_audio(
        np.concatenate([pad, np.asarray(speech.samples, np.float32), pad]), speech.rate
    )


def check(
    scorer: Scorer, speak: dict[str, Voice], cases: Sequence[Case] = CASES
) -> tuple[list[Row], dict[str, bool]]:
    """Every wrong sound's row, and per (voice, prompt) whether the correct reading was all
    green with every phone heard as itself."""
    rows: list[Row] = []
    right: dict[str, bool] = {}
    for name, say in speak.items():
        for case in cases:
            correct, wrong = (
                _score(scorer, say(text), case.prompt) for text in (case.prompt, case.said)
            )
            right[f"{name}: {case.prompt}"] = correct is not None and not any(
                p.mispronounced or p.heard != p.phone for p in correct.phones
            )
            margins = _rivals(scorer, say(case.said), case) if wrong else {}
            for word, phone, sound in case.targets:
                before = None if correct is None else _phone(correct, word, phone).score
                p = None if wrong is None else _phone(wrong, word, phone)  # None: refused
                rows.append(Row(name, case.prompt, case.said, phone, sound,
                                None if p is None else round(p.score, 2), before,
                                "" if p is None else p.heard, p is None or p.mispronounced,
                                p is not None and p.heard == sound,
                                *margins.get((word, phone), ("", None))))  # fmt: skip
    return rows, right


def _score(scorer: Scorer, audio: Audio, prompt: str) -> UtteranceResult | None:
    """The take's scores, or None when it is refused as not the prompt."""
    try:
        return scorer.score(audio, prompt)
    except NotThePromptError:
        return None


def _rivals(scorer: Scorer, audio: Audio, case: Case) -> dict[tuple[int, str], tuple[str, float]]:
    """Per target phone of the wrong take, its most likely confusable sound and margin."""
    return {
        (word, phone): (rival.phone, round(rival.margin, 2))
        for word, phone, rival in scorer.rivals(audio, case.prompt)
        if rival.phone
    }


def _phone(result: UtteranceResult, word: int, phone: str) -> PhoneResult:
    return next(q for q in result.words[word].phones if q.phone == phone)


def summary(rows: Sequence[Row], right: dict[str, bool]) -> dict[str, int]:
    return {
        "wrong_sounds": len(rows),
        "flagged": sum(r.flagged for r in rows),
        "named": sum(r.named for r in rows),
        "flagged_and_named": sum(r.flagged and r.named for r in rows),
        # the wrong sound scored lower than the same voice's right one (no threshold involved)
        "below_right": sum(
            r.score is not None and r.right_score is not None and r.score < r.right_score
            for r in rows
        ),  # fmt: skip
        "correct_readings": len(right),
        "correct_all_green": sum(right.values()),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tutor.train.voice_check", description=__doc__)
    ap.add_argument("models", type=Path, nargs="+", help="folders with acoustic.onnx, head.onnx")
    ap.add_argument("--json", type=Path, help="write every row and the summaries here")
    args = ap.parse_args(argv)
    speak = {name: cache(say) for name, say in voices().items()}
    if not speak:
        print("no voice can speak here (install espeak-ng)")
        return 1
    report = {}
    for folder in args.models:
        scorer = Scorer.load(folder, threads=1, warm_up=False)
        rows, right = check(scorer, speak)
        totals = summary(rows, right)
        report[str(folder)] = {"summary": totals, "rows": [asdict(r) for r in rows],
                               "correct": right}  # fmt: skip
        print(f"\n{folder} (confusion line {scorer.head.confusion_line:.2f} nats)")
        for r in rows:
            score = "refused" if r.score is None else f"{r.score:.2f} heard {r.heard or '-'}"
            score += f" (right {r.right_score:.2f})" if r.right_score is not None else ""
            mark = ("FLAGGED" if r.flagged else "green") + (", named" if r.named else "")
            ear = "" if r.margin is None else f" {r.rival} {r.margin:+.2f}"
            print(
                f"  {r.voice:16} {r.said!r:30} {r.phone:>2}->{r.should_hear:<2} {score:18} "
                f"{mark}{ear}"
            )
        print(f"  wrong sounds flagged {totals['flagged']}/{totals['wrong_sounds']}, named "
              f"{totals['named']}, both {totals['flagged_and_named']}, scored below the right "
              f"reading {totals['below_right']}; correct readings all "
              f"green {totals['correct_all_green']}/{totals['correct_readings']}")  # fmt: skip
        if not_green := [reading for reading, green in right.items() if not green]:
            print("  correct readings refused or not all green: " + "; ".join(not_green))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
