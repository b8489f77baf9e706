"""How the Whisper teacher hears the trust issue's synthetic words.

    python -m tutor.train.teacher_ear --teacher runs/tt77/teacher [--pair assets/models]

For each of :data:`tutor.train.voice_check.CASES`' single words read by espeak-ng (US and
British voices), wrong and right: the teacher phone model's mean log-odds of the sound
said over the prompt's phone across the segment the pair aligned to that phone. When a
student loses a wrong sound (stop 39: "tree" for *three*), this says whether the teacher
hears it clearly (then distillation lost it) or only weakly (then the student's line
decides). Needs the ``[teacher]`` extra.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from tutor.scoring.phones import PHONE_INDEX, PHONE_SET

FRAME_S = 0.02  # Whisper's encoder frames and the acoustic model's output frames alike
VOICES = ("en-us", "en-gb")


def segment_margin(
    log_post: np.ndarray, start: float, end: float, expected: str, said: str
) -> tuple[float, list[str]]:
    """Mean log-odds of ``said`` over ``expected`` in the frames of ``start``-``end``
    seconds (at least one frame), and the top phone of each of those frames."""
    a = min(int(start / FRAME_S), len(log_post) - 1)
    b = min(max(int(end / FRAME_S), a + 1), len(log_post))
    seg = log_post[a:b]
    margin = float((seg[:, PHONE_INDEX[said]] - seg[:, PHONE_INDEX[expected]]).mean())
    return margin, [PHONE_SET[i] for i in seg.argmax(axis=1)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tutor.train.teacher_ear")
    ap.add_argument("--teacher", type=Path, required=True, help="whisper_teacher's --out")
    ap.add_argument("--pair", type=Path, help="the pair whose alignment places the phone")
    args = ap.parse_args(argv)
    from tutor.paths import models_dir
    from tutor.scoring.engine import Scorer
    from tutor.voice.espeak import espeak_available

    from .teacher_phones import log_posteriors, trained_teacher
    from .voice_check import CASES, espeak_take
    from .whisper_teacher import WhisperFrames, model_folder

    if not espeak_available():
        print("teacher_ear: espeak-ng is missing", flush=True)
        return 1
    frames_of = WhisperFrames(model_folder(args.teacher))
    net = trained_teacher(args.teacher)
    scorer = Scorer.load(args.pair or models_dir(), threads=1)
    for case in (c for c in CASES if " " not in c.prompt):
        _, expected, said = case.targets[0]
        for voice in VOICES:
            for text in (case.said, case.prompt):
                audio = espeak_take(voice, text)
                word = scorer.score(audio, case.prompt).words[0]
                phone = next(p for p in word.phones if p.phone == expected)
                frames = frames_of.window([audio.samples.astype(np.float32)])[0]
                log_post = log_posteriors(net, frames.astype(np.float32))
                margin, top = segment_margin(log_post, phone.start, phone.end, expected, said)
                print(f"{voice}  {text!r:9} for {case.prompt!r:8} {said} over {expected}: "
                      f"{margin:+.2f} nats, frames {' '.join(top)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
