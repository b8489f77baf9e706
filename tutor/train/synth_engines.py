"""The speech engines' drivers: festival (batch mode, exact phone times), flite
(``-psdur``) and espeak-ng (phoneme input, no times), each driven from the phones we choose."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from tutor.scoring.phones import SILENCE

from .synth_items import RATE, Rendered, SynthError, SynthItem
from .synth_phones import RADIO_TO_CMU, cmu_to_espeak, cmu_to_radio, espeak_tokens_to_cmu

_TIMEOUT_S = 120


def _run(cmd: Sequence[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=_TIMEOUT_S, cwd=cwd)
    except subprocess.TimeoutExpired as exc:
        raise SynthError(f"{cmd[0]} timed out after {_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        raise SynthError(f"{cmd[0]} failed ({done.returncode}): {done.stderr.strip()[-300:]}")
    return done


def _load_16k(path: Path) -> np.ndarray:
    samples, rate = sf.read(path, dtype="float32", always_2d=True)
    samples = samples.mean(axis=1)
    if rate != RATE:
        samples = soxr.resample(samples, rate, RATE).astype(np.float32)
    return samples


def _segments_from_ends(
    ends: Iterable[tuple[str, float]], duration: float
) -> list[tuple[str, float, float]]:
    """``(phone, end)`` pairs -> ``(phone, start, end)``, clipped to the audio duration."""
    segs: list[tuple[str, float, float]] = []
    start = 0.0
    for phone, end in ends:
        end = min(float(end), duration)
        if end > start:
            segs.append((phone, round(start, 4), round(end, 4)))
            start = end
    if segs and segs[-1][0] == SILENCE and duration > segs[-1][2]:
        segs[-1] = (SILENCE, segs[-1][1], round(duration, 4))
    elif duration - start > 1e-3:
        segs.append((SILENCE, round(start, 4), round(duration, 4)))
    return segs


class Engine:
    name = ""
    binary = ""
    voices: tuple[str, ...] = ()
    batch_size = 1

    @classmethod
    def available(cls) -> bool:
        return shutil.which(cls.binary) is not None

    def render(self, items: Sequence[SynthItem], tmp: Path) -> list[Rendered | SynthError]:
        out: list[Rendered | SynthError] = []
        for item in items:
            try:
                out.append(self.render_one(item, tmp))
            except SynthError as exc:
                out.append(exc)
        return out

    def render_one(self, item: SynthItem, tmp: Path) -> Rendered:
        raise NotImplementedError


def _scheme_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Festival(Engine):
    """Festival 2.5 in batch mode: one process per batch, a lexicon entry per word."""

    name = "festival"
    binary = "festival"
    voices = ("kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts")
    batch_size = 20

    @staticmethod
    def installed_voices() -> tuple[str, ...]:
        roots = [Path("/usr/share/festival/voices"), Path("/usr/lib/festival/voices")]
        found = {p.name for r in roots if r.is_dir() for p in r.glob("*/*") if p.is_dir()}
        return tuple(v for v in Festival.voices if v in found)

    def script(self, items: Sequence[SynthItem], tmp: Path) -> str:
        voice = items[0].voice
        lines = [
            f"(voice_{voice})",
            # Keep exactly the phones we ask for: no vowel reduction or other postlex rules.
            "(set! postlex_rules_hooks nil)",
            "(set! postlex_vowel_reduce_cart_tree nil)",
            "(define (dump_segs utt path)"
            ' (let ((fd (fopen path "w")))'
            ' (mapcar (lambda (s) (format fd "%s %f\\n" (item.name s) (item.feat s "end")))'
            " (utt.relation.items utt 'Segment)) (fclose fd)))",
        ]
        for item in items:
            for w in item.words:
                phones = " ".join(cmu_to_radio(p) for p in w.spoken)
                lines.append(
                    f"(lex.add.entry (list {_scheme_string(w.text.lower())} nil"
                    f" (lex.syllabify.phstress '({phones}))))"
                )
            text = " ".join(w.text.lower() for w in item.words)
            wav, segs = tmp / f"{item.id}.wav", tmp / f"{item.id}.segs"
            lines.append(f"(set! utt (utt.synth (Utterance Text {_scheme_string(text)})))")
            lines.append(f"(utt.save.wave utt {_scheme_string(str(wav))} 'riff)")
            lines.append(f"(dump_segs utt {_scheme_string(str(segs))})")
        return "\n".join(lines) + "\n"

    def render(self, items: Sequence[SynthItem], tmp: Path) -> list[Rendered | SynthError]:
        if len({i.voice for i in items}) > 1:
            raise ValueError("a festival batch must use one voice")
        path = tmp / f"batch_{items[0].id}.scm"
        path.write_text(self.script(items, tmp))
        failure: SynthError | None = None
        try:
            _run([self.binary, "-b", str(path)], cwd=tmp)
        except SynthError as exc:  # e.g. a crash part-way: keep what was written
            failure = exc
        out: list[Rendered | SynthError] = []
        for item in items:
            wav, segs = tmp / f"{item.id}.wav", tmp / f"{item.id}.segs"
            if not (wav.exists() and segs.exists()):
                if failure is not None and len(items) > 1:
                    out.extend(self.render([item], tmp))  # retry alone
                else:
                    out.append(failure or SynthError(f"festival wrote nothing for {item.id}"))
                continue
            try:
                out.append(self._read(wav, segs.read_text(), item.voice))
            except SynthError as exc:
                out.append(exc)
        return out

    @staticmethod
    def _read(wav: Path, seg_text: str, voice: str = "") -> Rendered:
        samples = _load_16k(wav)
        ends: list[tuple[str, float]] = []
        previous = ""
        for line in seg_text.splitlines():
            name, end = line.split()
            if name not in RADIO_TO_CMU:
                raise SynthError(f"festival produced unknown phone {name!r}")
            if (name, previous) == ("r", "er") and voice == "ked_diphone":
                ends[-1] = (ends[-1][0], float(end))  # ked splits every er into er + r
            else:
                ends.append((RADIO_TO_CMU[name], float(end)))
            previous = name
        return _rendered(samples, ends)

    def render_one(self, item: SynthItem, tmp: Path) -> Rendered:
        result = self.render([item], tmp)[0]
        if isinstance(result, SynthError):
            raise result
        return result


def _rendered(samples: np.ndarray, ends: list[tuple[str, float]]) -> Rendered:
    """Merge adjacent silences, then build exact segments from phone end times."""
    merged: list[tuple[str, float]] = []
    for phone, end in ends:
        if merged and phone == SILENCE and merged[-1][0] == SILENCE:
            merged[-1] = (SILENCE, end)
        else:
            merged.append((phone, end))
    phones = [p for p, _ in merged if p != SILENCE]
    segments = _segments_from_ends(merged, samples.size / RATE)
    return Rendered(samples, phones, segments, merged[-1][1] if merged else None)


class Flite(Engine):
    """flite with a per-utterance lexicon addenda file; ``-psdur`` gives phone end times."""

    name = "flite"
    binary = "flite"
    voices = ("kal16", "awb", "rms", "slt")

    def render_one(self, item: SynthItem, tmp: Path) -> Rendered:
        lex = tmp / f"{item.id}.lex"
        lex.write_text(
            "".join(
                f"{w.text.lower()} : {' '.join(cmu_to_radio(p) for p in w.spoken)}\n"
                for w in item.words
            )
        )
        wav = tmp / f"{item.id}.wav"
        text = " ".join(w.text.lower() for w in item.words)
        done = _run(
            [self.binary, "-voice", item.voice, "-add_lex", str(lex), "-psdur", "-t", text,
             "-o", str(wav)]
        )  # fmt: skip
        ends = []
        for token in done.stdout.split():
            name, _, end = token.rpartition(":")
            if name not in RADIO_TO_CMU:
                raise SynthError(f"flite produced unknown phone {name!r}")
            ends.append((RADIO_TO_CMU[name], float(end)))
        return _rendered(_load_16k(wav), ends)


class Espeak(Engine):
    """espeak-ng from phoneme input; no timings (segments are null)."""

    name = "espeak"
    binary = "espeak-ng"
    voices = (
        "en-us", "en-us+m3", "en-us+f2", "en-us+f4", "en-us+m7", "en-gb", "en-gb+f3",
        "en-gb-x-rp", "en-gb-x-rp+m2",
    )  # fmt: skip

    def render_one(self, item: SynthItem, tmp: Path) -> Rendered:
        wav = tmp / f"{item.id}.wav"
        phonemes = cmu_to_espeak([w.spoken for w in item.words])
        speed = str(item.options.get("speed", 160))
        pitch = str(item.options.get("pitch", 50))
        done = _run(
            [self.binary, "-v", item.voice, "-s", speed, "-p", pitch, "-x", "--sep=_", "-w",
             str(wav), f"[[{phonemes}]]"]
        )  # fmt: skip
        phones = espeak_tokens_to_cmu(done.stdout, item.spoken_bases)
        return Rendered(_load_16k(wav), phones, None)


ENGINES: dict[str, type[Engine]] = {"festival": Festival, "flite": Flite, "espeak": Espeak}
