"""``tutor say TEXT --out FILE.wav``: speak a prompt with the reference voice, offline.

``tutor say --list-voices`` lists the voices, the default marked with ``*``. Text that
starts with ``-`` goes after ``--``: ``tutor say --out x.wav -- "-ing endings"``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", nargs="?", help="what to say")
    parser.add_argument("--out", type=Path, metavar="FILE.wav", help="the WAV file to write")
    parser.add_argument(
        "--slow", action="store_true", help="speak at about 0.75x speed (same pitch)"
    )
    parser.add_argument(
        "--voice", metavar="NAME", help="a voice from --list-voices (default: the one marked *)"
    )
    parser.add_argument(
        "--rate",
        type=int,
        metavar="HZ",
        help="resample to this rate (default: the voice's own, e.g. 22050)",
    )
    parser.add_argument("--list-voices", action="store_true", help="list the voices and exit")


def _list_voices() -> int:
    from tutor.voice import default_voice, list_voices

    default = default_voice()
    for voice in list_voices():
        mark = "*" if default is not None and voice.name == default.name else " "
        problem = voice.problem()
        state = f"  [unavailable: {problem}]" if problem else ""
        print(f"{mark} {voice.name:<12} {voice.description}{state}")
        print(f"  {'':<12} licence: {voice.licence}")
    if default is None:
        print("No voice can speak here: install espeak-ng.", file=sys.stderr)
        return 1
    return 0


def _write_wav(out: Path, samples: np.ndarray, rate: int) -> None:
    import soundfile as sf

    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".say-", suffix=".wav", dir=out.parent)
    os.close(fd)
    try:
        sf.write(tmp, samples, rate, subtype="PCM_16", format="WAV")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(args: argparse.Namespace) -> int:
    if args.list_voices:
        return _list_voices()
    if not args.text or not args.out:
        print("error: tutor say needs TEXT and --out FILE.wav (or --list-voices)", file=sys.stderr)
        return 2
    if args.rate is not None and not 8000 <= args.rate <= 96000:
        print("error: --rate must be between 8000 and 96000 Hz", file=sys.stderr)
        return 2
    from tutor.voice import VoiceError, speak

    try:
        speech = speak(args.text, args.voice, slow=args.slow)
        samples, rate = speech.samples, speech.rate
        if args.rate and args.rate != rate:
            import soxr

            samples, rate = soxr.resample(samples, rate, args.rate), args.rate
        _write_wav(args.out, samples, rate)
    except VoiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, RuntimeError) as exc:
        print(f"error: could not write {args.out}: {exc}", file=sys.stderr)
        return 2
    if speech.note:
        print(
            f"note: {speech.note.rstrip('.')}; used the voice {speech.voice}",
            file=sys.stderr,
        )
    print(
        f"Wrote {args.out}: {len(samples) / rate:.2f} s at {rate} Hz, voice {speech.voice}"
        f"{' (slow)' if args.slow else ''}"
    )
    return 0
