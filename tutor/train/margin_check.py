"""How well an acoustic model alone tells a swapped sound from the expected one (no heads).

For every swap of the substitution check (:mod:`tutor.scoring.trust_bench`) on the
validation slice, the forced alignment of the swapped text gives each phone its best
confusable competitor's log-posterior margin (:func:`tutor.scoring.substitution.competitors`).
A phone is "caught" when its margin is above the margin that 3 % of the untouched phones
exceed, so models compare at equal false alarms before any head is trained on them. The
Whisper teacher's posteriors can be measured the same way. :func:`confusion_line` sets the
shipped head's line from the same margins (``whisper_chain``; ``--line SHARE`` prints it).

    python -m tutor.train.margin_check --data ../shared/data/speechocean762 \\
        runs/kd/acoustic.onnx runs/kdt/acoustic.onnx [--teacher runs/teacher] [--by-class]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tutor.scoring.alignment import Alignment, force_align
from tutor.scoring.audio import load_audio
from tutor.scoring.bands import EXPERT_NEEDS_WORK
from tutor.scoring.detection import auc
from tutor.scoring.features import frame_features
from tutor.scoring.model import AcousticModel
from tutor.scoring.phones import PHONE_INDEX, VOWELS, base_phone
from tutor.scoring.speechocean import LabelledUtterance, load_split
from tutor.scoring.substitution import Competitor, competitors
from tutor.scoring.trust_bench import swapped_words, swaps_for

from .dataset import rated_alignment, valid_speakers

FALSE_ALARMS = 0.03
LINE_SHARE = 0.01  # of the untouched phones over the confusion line (a third of the budget)
VOICING_PAIRS: tuple[tuple[str, str], ...] = (
    ("B", "P"), ("D", "T"), ("G", "K"), ("V", "F"), ("Z", "S"), ("ZH", "SH"), ("JH", "CH")
)  # (voiced, voiceless)  # fmt: skip
VOICING: frozenset[frozenset[str]] = frozenset(frozenset(p) for p in VOICING_PAIRS)

Posteriors = Callable[[LabelledUtterance], "np.ndarray | None"]
Rivals = Callable[[np.ndarray, Alignment], tuple[Competitor, ...]]


@dataclass(frozen=True)
class MarginCheck:
    swaps: int
    caught: float  # share of swapped phones whose margin beats the untouched 97th percentile
    heard_as: float  # share whose best competitor is the sound really said
    threshold: float


@dataclass(frozen=True)
class Margins:
    swapped: np.ndarray  # each swapped phone's margin
    untouched: np.ndarray  # every untouched phone's (finite) margin
    named: np.ndarray  # whether each swapped phone's best competitor is the sound said
    pairs: np.ndarray  # each swap as "said>expected" (the sound in the audio, the prompt's)

    @property
    def classes(self) -> np.ndarray:
        """Each swap's confusion class (:func:`confusion_class`)."""
        return np.array([confusion_class(*p.split(">")) for p in self.pairs], str)


def confusion_class(said: str, expected: str) -> str:
    """A swap's family for the per-class figures: the vowels, TH and DH with their
    stand-ins, the voicing pairs, and the other consonants."""
    if said in VOWELS and expected in VOWELS:
        return "vowels"
    if {said, expected} & {"TH", "DH"}:
        return "TH/DH"
    if frozenset((said, expected)) in VOICING:
        return "voicing"
    return "other consonants"


def margins(
    utts: Sequence[LabelledUtterance], posteriors: Posteriors, rivals: Rivals = competitors
) -> Margins:
    """The confusable-phone margins of every swapped reading of the substitution check
    (``rivals``: the engine's, or :mod:`tutor.train.realigned_margin`'s)."""
    swapped, untouched, named, pairs = [], [], [], []
    for u in utts:
        swaps = swaps_for(u)
        log_post = posteriors(u) if swaps else None
        if log_post is None:
            continue
        for s in swaps:
            at = s.position(u)
            words = [w.variants for w in swapped_words(u, s)]
            for k, c in enumerate(rivals(log_post, force_align(log_post, words))):
                if k == at:
                    swapped.append(c.margin)
                    named.append(c.phone == s.original)
                    pairs.append(f"{s.original}>{s.expected}")
                elif np.isfinite(c.margin):
                    untouched.append(c.margin)
    return Margins(
        np.array(swapped), np.array(untouched), np.array(named, bool), np.array(pairs, str)
    )


def margin_check(utts: Sequence[LabelledUtterance], posteriors: Posteriors) -> MarginCheck:
    return summarise(margins(utts, posteriors))


def summarise(m: Margins) -> MarginCheck:
    """Swaps caught at ``FALSE_ALARMS`` on the untouched phones, and heard-as."""
    if not len(m.swapped) or not len(m.untouched):
        return MarginCheck(len(m.swapped), float("nan"), float("nan"), float("nan"))
    threshold = _equal_false_alarms(m)
    caught = float((m.swapped > threshold).mean())
    return MarginCheck(len(m.swapped), caught, float(m.named.mean()), threshold)


def _equal_false_alarms(m: Margins) -> float:
    """The margin that ``FALSE_ALARMS`` of the untouched phones exceed: the model's own line."""
    return float(np.quantile(m.untouched, 1.0 - FALSE_ALARMS))


def caught_by_class(m: Margins) -> dict[str, tuple[int, float]]:
    """Per confusion class: its swaps and the share caught at the model's own 3 % line."""
    return _caught_by(m, m.classes)


def caught_by_pair(m: Margins) -> dict[str, tuple[int, float]]:
    """Per swap ("said>expected"), commonest first: its count and the share caught at the
    model's own 3 % line (which pairs a student loses against its teacher)."""
    return dict(sorted(_caught_by(m, m.pairs).items(), key=lambda kv: (-kv[1][0], kv[0])))


def _caught_by(m: Margins, groups: np.ndarray) -> dict[str, tuple[int, float]]:
    if not len(m.swapped) or not len(m.untouched):
        return {}
    caught = m.swapped > _equal_false_alarms(m)
    return {
        g: (int((groups == g).sum()), float(caught[groups == g].mean()))
        for g in sorted(set(groups.tolist()))
    }


def confusion_line(untouched: np.ndarray, share: float = LINE_SHARE) -> float:
    """The margin that ``share`` of the untouched phones exceed, rounded up to 0.01 nats:
    the head's ``confusion_line``, over which a phone is at best amber whatever the head
    scored. It spends that share of the false-alarm budget on the sounds the acoustic model
    hears most clearly as another; the green line (:mod:`tutor.train.phone_knee`) then
    spends the rest."""
    if not len(untouched):
        raise ValueError("no untouched phones to set the line on")
    return float(np.ceil(np.quantile(untouched, 1.0 - share) * 100) / 100)


def synth_margins(
    records: Sequence[dict], posteriors: Callable[[dict], np.ndarray | None]
) -> Margins:
    """The confusable-phone margins of the synthetic takes' own substitutions (a
    :mod:`tutor.train.synth` manifest's records, ``posteriors`` of a record): the canonical
    phones aligned, each phone the engine was told to say otherwise is a swap and every
    other phone untouched. Takes that drop or add a phone are left out (their canonical
    and spoken phones do not pair up). The teacher never heard these voices, so this is
    how it hears a synthetic "sink" for *think*, on thousands of takes."""
    swapped, untouched, named, pairs = [], [], [], []
    for r in records:
        try:
            canonical = [[str(p) for p in w["canonical"]] for w in r["words"]]
            spoken = [[base_phone(str(p)) for p in w["spoken"]] for w in r["words"]]
        except (KeyError, TypeError, ValueError):
            continue
        said = [p for w in spoken for p in w]
        if list(map(len, canonical)) != list(map(len, spoken)) or not said:
            continue
        log_post = posteriors(r)
        if log_post is None:
            continue
        try:
            aligned = force_align(log_post, [[w] for w in canonical if w])
        except ValueError:
            continue
        for c, p, heard in zip(competitors(log_post, aligned), aligned.phones, said, strict=True):
            if heard != p.phone:
                swapped.append(c.margin)
                named.append(c.phone == heard)
                pairs.append(f"{heard}>{p.phone}")
            elif np.isfinite(c.margin):
                untouched.append(c.margin)
    return Margins(
        np.array(swapped), np.array(untouched), np.array(named, bool), np.array(pairs, str)
    )


def experts_auc(utts: Sequence[LabelledUtterance], posteriors: Posteriors) -> float:
    """How well the acoustic model alone finds the phones the experts found wrong (mean
    under :data:`EXPERT_NEEDS_WORK`): AUC of each canonical phone's GOP, its mean
    log-posterior margin over the best phone on its aligned frames (no heads, no
    swaps). A phone model that learnt a learner's S as TH lets that TH pass here too."""
    gops, wrong = [], []
    for u in utts:
        log_post = posteriors(u)
        if log_post is None:
            continue
        best = log_post.max(axis=1)
        for p, score in rated_alignment(log_post, u):
            frames = slice(p.start, p.end)
            gops.append(float((log_post[frames, PHONE_INDEX[p.phone]] - best[frames]).mean()))
            wrong.append(score < EXPERT_NEEDS_WORK)
    return auc(-np.array(gops), wrong)


def model_posteriors(path: Path) -> Posteriors:
    model = AcousticModel.load(path)

    def run(u: LabelledUtterance) -> np.ndarray:
        return model.log_posteriors(frame_features(load_audio(u.audio).samples, model.features))

    return run


@dataclass(frozen=True)
class _Take:
    """A synthetic take as the posteriors functions see a recording."""

    utt_id: str
    audio: Path


def _by_record(manifest: Path, run: Callable[[Any], np.ndarray | None]) -> Callable[[dict], Any]:
    """``run``'s posteriors for a manifest record (its audio, or the teacher's frames by id)."""
    return lambda r: run(_Take(str(r.get("id")), manifest.parent / str(r.get("audio"))))


def heard_once(post: Callable[[LabelledUtterance, float], np.ndarray | None]) -> Posteriors:
    """A teacher's posteriors at the recording's own speed (its frames were made there)."""
    return lambda u: post(u, 1.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tutor.train.margin_check")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("models", type=Path, nargs="*", help="acoustic.onnx files")
    ap.add_argument(
        "--teacher",
        type=Path,
        action="append",
        default=[],
        help="whisper_teacher's --out with phones.pt (repeat to compare teachers)",
    )
    ap.add_argument("--limit", type=int, help="only the first N validation utterances")
    ap.add_argument(
        "--line",
        type=float,
        metavar="SHARE",
        help="also print each model's confusion line: the margin SHARE of untouched phones "
        f"exceed (the chain uses {LINE_SHARE})",
    )
    ap.add_argument(
        "--by-class",
        action="store_true",
        help="also print swaps caught per confusion class (vowels, TH/DH, voicing, other)",
    )
    ap.add_argument(
        "--by-pair",
        action="store_true",
        help="also print swaps caught per pair (said>expected), commonest first",
    )
    ap.add_argument(
        "--synth",
        type=Path,
        metavar="MANIFEST",
        help="also print synth_caught / synth_heard_as: the synthetic takes' own "
        "substitutions (a tutor.train.synth manifest), caught at each model's 3 %% line on "
        "those takes; the teacher never heard them (a student distilled on them did)",
    )
    ap.add_argument(
        "--realigned",
        action="store_true",
        help="also print realigned_caught / realigned_heard_as: the margins measured with "
        "each phone's boundaries re-aligned for every rival (tutor.train.realigned_margin)",
    )
    ap.add_argument(
        "--experts",
        action="store_true",
        help="also print experts_auc: how well each model's GOP finds the phones the "
        "experts found wrong on the real readings",
    )
    args = ap.parse_args(argv)
    keep = valid_speakers()
    utts = [u for u in load_split(args.data, "train") if u.speaker in keep][: args.limit]
    runs: dict[str, Posteriors] = {str(p): model_posteriors(p) for p in args.models}
    if args.teacher:
        from .teacher_phones import teacher_posteriors

        for teacher in args.teacher:
            post = teacher_posteriors(teacher)
            name = "teacher" if len(args.teacher) == 1 else f"teacher {teacher}"
            runs[name] = heard_once(post)
    from .synth_data import read_manifest

    records = read_manifest(args.synth, Counter()) if args.synth else []
    synth_posteriors = {name: _by_record(args.synth or Path(), run) for name, run in runs.items()}
    for name, posteriors in runs.items():
        m = margins(utts, posteriors)
        row = asdict(summarise(m))
        if args.line is not None:
            row["confusion_line"] = confusion_line(m.untouched, args.line)
        if args.by_class:
            row["by_class"] = {c: {"swaps": n, "caught": v} for c, (n, v) in
                               caught_by_class(m).items()}  # fmt: skip
        if args.by_pair:
            row["by_pair"] = {p: {"swaps": n, "caught": v} for p, (n, v) in
                              caught_by_pair(m).items()}  # fmt: skip
        if args.realigned:
            from .realigned_margin import realigned_competitors

            again = summarise(margins(utts, posteriors, realigned_competitors))
            row |= {"realigned_caught": again.caught, "realigned_heard_as": again.heard_as}
        if args.experts:
            row["experts_auc"] = experts_auc(utts, posteriors)
        if args.synth:
            heard = summarise(synth_margins(records, synth_posteriors[name]))
            row |= {"synth_swaps": heard.swaps, "synth_caught": heard.caught,
                    "synth_heard_as": heard.heard_as}  # fmt: skip
        print(json.dumps({"model": name, **row}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
