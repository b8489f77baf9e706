"""Synthetic labelled speech from festival, flite and espeak-ng, with exact phone labels.

Every engine is driven from the phones we choose, not from its own dictionary: festival and
flite get a lexicon entry per word of the utterance (so a deliberate mispronunciation such as
"think" -> S IH1 NG K is spoken as labelled, with the engine's own prosody), espeak-ng gets
phoneme input (``[[...]]``).  What the engine actually said is read back (festival's Segment
relation, flite's ``-psdur``, espeak-ng's ``-x``) and checked against the request; an
utterance whose phones differ is dropped, unless the difference is another dictionary
variant of an error-free word (then that variant becomes the label).

Festival and flite give exact phone end times; espeak-ng gives none (``segments`` is null
and the training pipeline force-aligns).  Output: 16 kHz mono FLAC plus ``manifest.jsonl``::

    {"id", "audio" (relative path), "text", "engine", "voice",
     "words": [{"text", "canonical": [CMU with stress], "spoken": [CMU with stress]}],
     "segments": [[phone, start_s, end_s], ...] | null,   # phones without stress, SIL
     "errors": [{"word_index", "canonical_index", "kind", "from", "to"}]}

Run ``python -m tutor.train.synth --out DIR --words N --sentences N [--data SO762_DIR]``;
it resumes (items whose audio and manifest record exist are skipped). Prompts come from the
built-in lessons and, with ``--data``, from speechocean762's prompts and lexicon.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from tutor.scoring.lexicon import Lexicon
from tutor.scoring.phones import CMU_PHONES, SILENCE, split_stress
from tutor.train.mispronounce import PhoneError, mispronounce

RATE = 16000
_WORD_RE = re.compile(r"^[a-z]+(?:'[a-z]+)?$")
_TIMEOUT_S = 120

# -- phone sets ------------------------------------------------------------------------------

#: Festival "radio" phone set (its CMU lexicon; also flite's) -> CMU.  Syllabic and flapped
#: allophones map to their nearest CMU phone; silences to SIL.
RADIO_TO_CMU: dict[str, str] = {
    **{p.lower(): p for p in CMU_PHONES},
    "ax": "AH", "axr": "ER", "dx": "T", "el": "L", "em": "M", "en": "N", "nx": "N",
    "hv": "HH", "pau": SILENCE, "h#": SILENCE, "brth": SILENCE,
}  # fmt: skip

#: Festival "mrpa" (British, CSTR) phone set -> CMU, for voices using it.
MRPA_TO_CMU: dict[str, str] = {
    "uh": "AH", "e": "EH", "a": "AE", "o": "AA", "i": "IH", "u": "UH", "ii": "IY", "uu": "UW",
    "oo": "AO", "aa": "AA", "@@": "ER", "ai": "AY", "ei": "EY", "oi": "OY", "au": "AW",
    "ou": "OW", "e@": "EH", "i@": "IH", "u@": "UH", "@": "AH", "p": "P", "t": "T", "k": "K",
    "b": "B", "d": "D", "g": "G", "s": "S", "z": "Z", "sh": "SH", "zh": "ZH", "f": "F",
    "v": "V", "th": "TH", "dh": "DH", "ch": "CH", "jh": "JH", "h": "HH", "m": "M", "n": "N",
    "ng": "NG", "l": "L", "y": "Y", "r": "R", "w": "W", "#": SILENCE,
}  # fmt: skip

#: CMU -> espeak-ng English phoneme mnemonics (input side).
CMU_TO_ESPEAK: dict[str, str] = {
    "AA": "A:", "AE": "a", "AH": "V", "AO": "O:", "AW": "aU", "AY": "aI", "B": "b", "CH": "tS",
    "D": "d", "DH": "D", "EH": "E", "ER": "3:", "EY": "eI", "F": "f", "G": "g", "HH": "h",
    "IH": "I", "IY": "i:", "JH": "dZ", "K": "k", "L": "l", "M": "m", "N": "n", "NG": "N",
    "OW": "oU", "OY": "OI", "P": "p", "R": "r", "S": "s", "SH": "S", "T": "t", "TH": "T",
    "UH": "U", "UW": "u:", "V": "v", "W": "w", "Y": "j", "Z": "z", "ZH": "Z",
}  # fmt: skip
#: Unstressed forms.  Plain "@" before an r merges with it into "3" (r-coloured schwa) in
#: en-us, so a schwa before R is written "@-" (a short schwa that espeak-ng keeps as is).
CMU_TO_ESPEAK_UNSTRESSED = {"AH": "@", "ER": "3"}
_SCHWA_BEFORE_R = "@-"

#: espeak-ng mnemonics (as printed by ``-x``) -> CMU.
ESPEAK_TO_CMU: dict[str, str] = {
    **{v: k for k, v in CMU_TO_ESPEAK.items()},
    "@": "AH", "@-": "AH", "@2": "AH", "@5": "AH", "@#": "AH", "3": "ER", "a#": "AE", "aa": "AE",
    "A@": "AA", "0": "AA", "I2": "IH", "I#": "IH", "i": "IY", "e@": "EH", "O@": "AO",
    "U@": "UH", "u": "UW", "t#": "T", "d#": "D", "z#": "Z", "l/": "L", "l/2": "L", "w#": "W",
    "n-": "N", "tS": "CH", "dZ": "JH", "o@": "OW", "oU#": "OW",
    "aI@": "AY", "aU@": "AW", "eI#": "EY",
}  # fmt: skip


def cmu_to_radio(phone: str) -> str:
    """``"AH0"`` -> ``"ax0"``; other phones lowercase with their stress digit."""
    base, stress = split_stress(phone)
    if base == "AH" and stress == 0:
        return "ax0"
    return base.lower() + ("" if stress is None else str(min(stress, 1)))


def cmu_to_espeak(words: Sequence[Sequence[str]]) -> str:
    """Words of CMU phones as espeak-ng phoneme input: stress marks before stressed vowels,
    words separated by spaces (wrap in ``[[...]]`` to speak it)."""
    flat = [p for w in words for p in w]
    out: list[str] = []
    k = 0
    for word in words:
        parts = []
        for phone in word:
            base, stress = split_stress(phone)
            following = split_stress(flat[k + 1])[0] if k + 1 < len(flat) else ""
            k += 1
            if base == "AH" and stress == 0 and following == "R":
                parts.append(_SCHWA_BEFORE_R)
            elif stress == 0 and base in CMU_TO_ESPEAK_UNSTRESSED:
                parts.append(CMU_TO_ESPEAK_UNSTRESSED[base])
            else:
                mark = {1: "'", 2: ","}.get(stress, "") if stress is not None else ""
                parts.append(mark + CMU_TO_ESPEAK[base])
        out.append("".join(parts))
    return " ".join(out)


def espeak_tokens_to_cmu(output: str, wanted: Sequence[str] = ()) -> list[str]:
    """Phonemes printed by ``espeak-ng -x --sep=_`` -> CMU base phones.

    Stress marks and diacritics (";" palatalised, "[" dental) are dropped; raises
    ``SynthError`` for a phoneme with no CMU counterpart.  British voices say an unstressed
    ER or AH as "a#" (a schwa-like vowel); where ``wanted`` (the requested phones) has ER or
    AH there, it counts as that phone.
    """
    tokens = []
    for token in re.split(r"[_\s]+", output):
        token = token.strip("',%=").rstrip(";[")
        if not token or set(token) <= set(":!|") or token == "r-":
            continue  # pauses, and the linking r ("far away"): part of the vowel before it
        if token not in ESPEAK_TO_CMU:
            raise SynthError(f"espeak-ng produced unmapped phoneme {token!r}")
        tokens.append(token)
    phones = [ESPEAK_TO_CMU[t] for t in tokens]
    if len(wanted) == len(phones):
        pairs = zip(tokens, phones, wanted, strict=True)
        phones = [w if t == "a#" and w in ("ER", "AH") else p for t, p, w in pairs]
    return phones


# -- items -----------------------------------------------------------------------------------


@dataclass
class WordSpec:
    text: str
    canonical: tuple[str, ...]
    spoken: tuple[str, ...]


@dataclass
class SynthItem:
    """One utterance to synthesise (labels as requested; ``render`` checks them)."""

    id: str
    text: str
    words: list[WordSpec]
    engine: str
    voice: str
    errors: list[PhoneError] = field(default_factory=list)
    options: dict = field(default_factory=dict)  # engine settings, e.g. espeak speed/pitch

    @property
    def spoken_bases(self) -> list[str]:
        return [split_stress(p)[0] for w in self.words for p in w.spoken]


@dataclass
class Rendered:
    samples: np.ndarray  # float32, 16 kHz
    phones: list[str]  # CMU base phones the engine produced (no SIL)
    segments: list[tuple[str, float, float]] | None  # with SIL, exact times
    reported_end: float | None = None  # the engine's own last end time, before clipping


class SynthError(RuntimeError):
    """An engine failed or said something other than what was asked."""


# -- engines ---------------------------------------------------------------------------------


def _run(cmd: Sequence[str], **kw) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=_TIMEOUT_S, **kw)
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


def _segments_from_ends(ends: Iterable[tuple[str, float]], duration: float):
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


# -- labels ----------------------------------------------------------------------------------


def reconcile(item: SynthItem, produced: Sequence[str], lexicon: Lexicon | None = None) -> None:
    """Check the engine said ``item``'s spoken phones; fix benign variant swaps in place.

    A word whose produced phones differ is accepted only if it carries no deliberate error
    and the produced phones are another dictionary variant of it (e.g. "the" as DH IY0);
    its canonical and spoken phones then become that variant.  Raises ``SynthError``.
    """
    wanted = item.spoken_bases
    if list(produced) == wanted:
        return
    if len(produced) != len(wanted):
        raise SynthError(
            f"{item.id}: engine said {' '.join(produced)!r}, asked for {' '.join(wanted)!r}"
        )
    lexicon = lexicon or Lexicon.default()
    erroneous = {e.word_index for e in item.errors}
    pos = 0
    for index, word in enumerate(item.words):
        got = list(produced[pos : pos + len(word.spoken)])
        pos += len(word.spoken)
        if got == [split_stress(p)[0] for p in word.spoken]:
            continue
        variant = next(
            (v for v in lexicon.lookup(word.text) if [split_stress(p)[0] for p in v] == got),
            None,
        )
        if index in erroneous or variant is None:
            raise SynthError(f"{item.id}: {word.text!r} came out as {' '.join(got)!r}")
        word.canonical = word.spoken = tuple(variant)


def _level(samples: np.ndarray) -> np.ndarray:
    """Bring speech to about -20 dBFS RMS, peak at most -1 dBFS (engines differ widely)."""
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if samples.size else 0.0
    if rms == 0.0:
        return samples
    scale = min(0.1 / rms, 0.89 / float(np.max(np.abs(samples))))
    return (samples * scale).astype(np.float32)


def record(item: SynthItem, audio_rel: str, rendered: Rendered) -> dict:
    return {
        "id": item.id,
        "audio": audio_rel,
        "text": item.text,
        "engine": item.engine,
        "voice": item.voice,
        "words": [
            {"text": w.text, "canonical": list(w.canonical), "spoken": list(w.spoken)}
            for w in item.words
        ],
        "segments": None if rendered.segments is None else [list(s) for s in rendered.segments],
        "errors": [e.to_dict() for e in item.errors],
    }


# -- text sources and planning ---------------------------------------------------------------


def _clean_words(text: str) -> list[str] | None:
    words = [w.strip('.,!?;:"').lower() for w in text.split()]
    words = [w for w in words if w]
    if not words or not all(_WORD_RE.match(w) for w in words):
        return None
    return words


def corpus_texts(data_dir: Path | None, split: str = "train") -> list[str]:
    """speechocean762 prompts (numbers and odd tokens left out); none without ``data_dir``."""
    if data_dir is None:
        return []
    path = data_dir / split / "text"  # the same Kaldi list in the release and converted layouts
    if not path.is_file():
        raise SynthError(f"{path} is missing: --data should be a speechocean762 folder")
    texts = []
    for line in path.read_text().splitlines():
        _, _, text = line.partition("\t") if "\t" in line else line.partition(" ")
        if _clean_words(text):
            texts.append(text.strip())
    return list(dict.fromkeys(texts))


def lesson_texts(lessons_dir: Path | None = None) -> list[str]:
    """Item texts of the lesson packs (``*/pack.toml``; default: the built-in lessons)."""
    from tutor.paths import builtin_lessons_dir

    lessons_dir = lessons_dir or builtin_lessons_dir()
    if not lessons_dir.is_dir():
        raise SynthError(f"no lessons folder {lessons_dir}")
    texts = []
    for pack in sorted(lessons_dir.glob("*/pack.toml")):
        try:
            data = tomllib.loads(pack.read_text())
        except (OSError, tomllib.TOMLDecodeError):
            continue
        for it in data.get("items", []):
            text = it.get("text")
            if isinstance(text, str) and _clean_words(text):
                texts.append(text.strip())
    return list(dict.fromkeys(texts))


def common_words(data_dir: Path | None, lexicon: Lexicon | None = None):
    """Single words: the corpus lexicon's words (everyday vocabulary) that CMUdict knows;
    none without ``data_dir``."""
    if data_dir is None:
        return []
    lexicon = lexicon or Lexicon.default()
    words: list[str] = []
    # converted layout: DIR/lexicon.txt; the release: DIR/resource/lexicon.txt
    places = (data_dir / "lexicon.txt", data_dir / "resource" / "lexicon.txt")
    path = next((p for p in places if p.is_file()), None)
    if path is None:
        raise SynthError(f"{places[0]} is missing: --data should be a speechocean762 folder")
    for line in path.read_text().splitlines():
        word = line.split(maxsplit=1)[0].lower() if line.strip() else ""
        if _WORD_RE.match(word) and lexicon.is_known(word):
            words.append(word)
    return list(dict.fromkeys(words))


def _engine_choices(engines: Sequence[str]) -> list[tuple[str, list[str]]]:
    """``(engine, voices)`` for each requested engine that is installed."""
    choices = []
    for name in dict.fromkeys(engines):
        if name not in ENGINES:
            raise ValueError(f"unknown engine {name!r}; expected some of {sorted(ENGINES)}")
        cls = ENGINES[name]
        voices = list(Festival.installed_voices() if cls is Festival else cls.voices)
        if cls.available() and voices:
            choices.append((name, voices))
    if not choices:
        raise SynthError(f"none of the engines {list(engines)} is installed")
    return choices


def plan(
    texts: Sequence[str],
    engines: Sequence[str] = ("festival", "flite", "espeak"),
    seed: int = 0,
    mispronounce_rate: float = 0.25,
    lexicon: Lexicon | None = None,
    prefix: str = "syn",
) -> list[SynthItem]:
    """One item per text (in shuffled order): engines take turns, each cycling through its
    voices; canonical phones come from the lexicon, and with probability
    ``mispronounce_rate`` the item gets labelled learner errors."""
    lexicon = lexicon or Lexicon.default()
    rng = np.random.default_rng(seed)
    choices = _engine_choices(engines)
    order = rng.permutation(len(texts))
    items = []
    for n, index in enumerate(order):
        text = texts[int(index)]
        words = _clean_words(text)
        if not words:
            continue
        engine, voices = choices[n % len(choices)]
        voice = voices[(n // len(choices)) % len(voices)]
        canonical = [lexicon.lookup(w)[0] for w in words]
        spoken, errors = [list(c) for c in canonical], []
        if rng.random() < mispronounce_rate:
            spoken, errors = mispronounce(canonical, rng, n_words=1 + int(len(words) > 4))
            said: dict[str, list[str]] = {}
            if any(said.setdefault(w, s) != s for w, s in zip(words, spoken, strict=True)):
                # One lexicon entry per word form: a repeated word must be said one way.
                spoken, errors = [list(c) for c in canonical], []
        options = {}
        if engine == "espeak":
            options = {"speed": int(rng.integers(130, 186)), "pitch": int(rng.integers(25, 76))}
        items.append(
            SynthItem(
                id=f"{prefix}{seed}-{int(index):06d}",
                text=text,
                words=[
                    WordSpec(t, tuple(c), tuple(s))
                    for t, c, s in zip(words, canonical, spoken, strict=True)
                ],
                engine=engine,
                voice=voice,
                errors=list(errors),
                options=options,
            )
        )
    return items


# -- driver ----------------------------------------------------------------------------------


def _read_manifest(path: Path) -> dict[str, dict]:
    done: dict[str, dict] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by an interrupted run
            done[rec["id"]] = rec
    return done


def synthesise(
    items: Sequence[SynthItem],
    out_dir: str | os.PathLike[str],
    workers: int = 1,
    progress: bool = True,
) -> Path:
    """Render ``items`` into ``out_dir`` (audio/<engine>/<id>.flac + manifest.jsonl).

    Resumable: items already in the manifest with their audio on disk are skipped.  Items an
    engine cannot say as labelled are dropped and counted in ``failures.jsonl``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "manifest.jsonl"
    done = {k: v for k, v in _read_manifest(manifest).items() if (out / v["audio"]).exists()}
    if manifest.exists():  # rewrite without records whose audio went missing or lines cut
        manifest.write_text("".join(json.dumps(r) + "\n" for r in done.values()))
    todo = [i for i in items if i.id not in done]
    batches: list[list[SynthItem]] = []
    for name in ENGINES:
        for voice in sorted({i.voice for i in todo if i.engine == name}):
            group = [i for i in todo if i.engine == name and i.voice == voice]
            size = ENGINES[name].batch_size
            batches.extend(group[k : k + size] for k in range(0, len(group), size))
    lexicon = Lexicon.default()

    def work(batch: list[SynthItem]) -> list[tuple[SynthItem, Rendered | SynthError]]:
        engine = ENGINES[batch[0].engine]()
        with tempfile.TemporaryDirectory(prefix="synth-") as tmp:
            return list(zip(batch, engine.render(batch, Path(tmp)), strict=True))

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), unit="utt", desc="synth")
    with (
        ThreadPoolExecutor(max_workers=max(1, workers)) as pool,
        open(manifest, "a") as mf,
        open(out / "failures.jsonl", "a") as ff,
    ):
        futures = [pool.submit(work, b) for b in batches]
        for future in as_completed(futures):
            for item, result in future.result():
                if not isinstance(result, SynthError):
                    try:
                        reconcile(item, result.phones, lexicon)
                    except SynthError as exc:
                        result = exc
                if isinstance(result, SynthError):
                    ff.write(json.dumps({"id": item.id, "voice": item.voice,
                                         "reason": str(result)}) + "\n")  # fmt: skip
                else:
                    rel = f"audio/{item.engine}/{item.id}.flac"
                    (out / rel).parent.mkdir(parents=True, exist_ok=True)
                    sf.write(out / rel, _level(result.samples), RATE, subtype="PCM_16")
                    mf.write(json.dumps(record(item, rel, result)) + "\n")
                    mf.flush()
                if bar is not None:
                    bar.update(1)
    if bar is not None:
        bar.close()
    return manifest


def default_out_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("tutor")) / "synth"


def build_texts(
    n_words: int,
    n_sentences: int,
    seed: int = 0,
    data_dir: Path | None = None,
    lessons_dir: Path | None = None,
) -> list[str]:
    """``n_sentences`` prompts (lessons first, then the corpus in ``data_dir``, if given) and
    ``n_words`` single words; sources are cycled when a count exceeds what they hold."""
    rng = np.random.default_rng(seed)
    lessons = lesson_texts(lessons_dir)
    sentences = lessons + [t for t in corpus_texts(data_dir) if len(t.split()) > 1]
    words = common_words(data_dir) + [t for t in lessons if len(t.split()) == 1]
    words = list(dict.fromkeys(words))
    chosen: list[str] = []
    for pool, n in ((sentences, n_sentences), (words, n_words)):
        if n and not pool:
            raise SynthError("no text source found (the lessons, or --data speechocean762)")
        for k in range(n):
            if k % len(pool) == 0:
                pool = [pool[int(j)] for j in rng.permutation(len(pool))]
            chosen.append(pool[k % len(pool)])
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tutor.train.synth", description=__doc__.split("\n")[0]
    )
    p.add_argument("--out", type=Path, default=None, help="output folder (default: user cache)")
    p.add_argument("--words", type=int, default=1000, help="single-word utterances")
    p.add_argument("--sentences", type=int, default=2000, help="sentence utterances")
    p.add_argument("--engines", default="festival,flite,espeak")
    p.add_argument("--mispronounce", type=float, default=0.25, help="share with errors")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="speechocean762 folder: its prompts and lexicon words join the lessons' texts",
    )
    p.add_argument(
        "--lessons", type=Path, metavar="DIR", help="lesson packs (default: the built-in ones)"
    )
    args = p.parse_args(argv)
    if args.words < 0 or args.sentences < 0 or not 0 <= args.mispronounce <= 1:
        p.error("--words/--sentences must be >= 0 and --mispronounce within 0-1")
    out = args.out or default_out_dir()
    started = time.monotonic()
    try:
        items = plan(
            build_texts(args.words, args.sentences, args.seed, args.data, args.lessons),
            engines=[e.strip() for e in args.engines.split(",") if e.strip()],
            seed=args.seed,
            mispronounce_rate=args.mispronounce,
        )
        manifest = synthesise(items, out, workers=args.workers)
    except (SynthError, ValueError) as exc:
        print(f"synth: {exc}", file=sys.stderr)
        return 1
    records = _read_manifest(manifest)
    seconds = sum(sf.info(out / r["audio"]).duration for r in records.values())
    print(
        f"{len(records)} utterances, {seconds / 3600:.2f} h of audio in {manifest} "
        f"({time.monotonic() - started:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
