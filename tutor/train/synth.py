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

The parts: :mod:`.synth_items` (the data), :mod:`.synth_phones` (phone sets),
:mod:`.synth_engines` (engine drivers), :mod:`.synth_labels` (checks and records),
:mod:`.synth_texts` (what is said); this module plans and runs.

Run ``python -m tutor.train.synth --out DIR --words N --sentences N [--data SO762_DIR]``;
it resumes (items whose audio and manifest record exist are skipped). Prompts come from the
built-in lessons and, with ``--data``, from speechocean762's prompts and lexicon.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import soundfile as sf

from tutor.scoring.lexicon import Lexicon
from tutor.train.mispronounce import PhoneError, balanced, families, focused, mispronounce

from .synth_engines import ENGINES, Engine, Espeak, Festival, Flite
from .synth_items import RATE, Rendered, SynthError, SynthItem, WordSpec
from .synth_labels import _level, reconcile, record
from .synth_phones import (
    CMU_TO_ESPEAK,
    CMU_TO_ESPEAK_UNSTRESSED,
    ESPEAK_TO_CMU,
    MRPA_TO_CMU,
    RADIO_TO_CMU,
    cmu_to_espeak,
    cmu_to_radio,
    espeak_tokens_to_cmu,
)
from .synth_texts import (
    _clean_words,
    build_texts,
    common_words,
    corpus_texts,
    lesson_texts,
)

__all__ = [
    "CMU_TO_ESPEAK",
    "CMU_TO_ESPEAK_UNSTRESSED",
    "ENGINES",
    "ESPEAK_TO_CMU",
    "MRPA_TO_CMU",
    "RADIO_TO_CMU",
    "RATE",
    "Engine",
    "Espeak",
    "Festival",
    "Flite",
    "Rendered",
    "SynthError",
    "SynthItem",
    "WordSpec",
    "build_texts",
    "cmu_to_espeak",
    "cmu_to_radio",
    "common_words",
    "corpus_texts",
    "espeak_tokens_to_cmu",
    "lesson_texts",
    "main",
    "plan",
    "reconcile",
    "record",
    "synthesise",
]


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
    balance: bool = False,
    spare: frozenset[str] = frozenset(),
    focus: frozenset[str] = frozenset(),
    focus_weight: float = 1.0,
) -> list[SynthItem]:
    """One item per text (in shuffled order): engines take turns, each cycling through its
    voices; canonical phones come from the lexicon, and with probability
    ``mispronounce_rate`` the item gets labelled learner errors: with ``balance`` every
    confusion about as often (:func:`tutor.train.mispronounce.balanced`), never on the
    words in ``spare`` (those kept unseen said wrong, for a check that says them so); the
    confusions in ``focus`` (``"TH>S"``) ``focus_weight`` times as often."""
    lexicon = lexicon or Lexicon.default()
    rng = np.random.default_rng(seed)
    weight = None
    if balance:
        weight = balanced(lexicon.lookup(w)[0] for t in texts for w in _clean_words(t) or [])
    if focus:
        weight = focused(weight, focus, focus_weight)
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
        spoken: list[list[str]] = [list(c) for c in canonical]
        errors: list[PhoneError] = []
        if rng.random() < mispronounce_rate:
            spared = frozenset(i for i, w in enumerate(words) if w in spare)
            spoken, errors = mispronounce(
                canonical, rng, n_words=1 + int(len(words) > 4), weight=weight, spare=spared
            )
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


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tutor.train.synth", description=__doc__.split("\n")[0]
    )
    p.add_argument("--out", type=Path, default=None, help="output folder (default: user cache)")
    p.add_argument("--words", type=int, default=1000, help="single-word utterances")
    p.add_argument("--sentences", type=int, default=2000, help="sentence utterances")
    p.add_argument("--engines", default="festival,flite,espeak")
    p.add_argument("--mispronounce", type=float, default=0.25, help="share with errors")
    p.add_argument(
        "--balance",
        action="store_true",
        help="draw the errors so that every confusion comes about as often (TH>S as N>NG)",
    )
    p.add_argument(
        "--spare",
        default="",
        metavar="WORDS",
        help="comma-separated words never said wrong (kept unseen for the trust tests)",
    )
    p.add_argument(
        "--focus",
        default="",
        metavar="CONFUSIONS",
        help="comma-separated confusions (TH>S,DH>Z) drawn --focus-weight times as often",
    )
    p.add_argument("--focus-weight", type=float, default=4.0)
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
    named = [c.strip() for c in args.focus.split(",") if c.strip()]
    kinds = {"deletion", "insertion"}  # lower case, as the draw spells them; TH>S upper
    focus = frozenset(w.lower() if w.lower() in kinds else w.upper() for w in named)
    if focus - families():
        p.error(f"--focus: no such confusion {', '.join(sorted(focus - families()))} "
                f"(known: {', '.join(sorted(families()))})")  # fmt: skip
    if focus and not args.focus_weight > 0:
        p.error("--focus-weight must be > 0")
    out = args.out or default_out_dir()
    started = time.monotonic()
    try:
        items = plan(
            build_texts(args.words, args.sentences, args.seed, args.data, args.lessons),
            engines=[e.strip() for e in args.engines.split(",") if e.strip()],
            seed=args.seed,
            mispronounce_rate=args.mispronounce,
            balance=args.balance,
            spare=frozenset(w.strip().lower() for w in args.spare.split(",") if w.strip()),
            focus=focus,
            focus_weight=args.focus_weight,
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
