"""The chain's rule for replacing a shipped pair: a new pair must be ahead of the reference
on a headline figure (the experts' correlations, error detection, classroom noise), behind
on none, inside the trust issue's ceilings and floors, no bigger nor much slower, and it
must hear the trust tests' own words (:func:`ear_failures`)."""

from __future__ import annotations

from pathlib import Path

from tutor.scoring.speechocean import LabelledUtterance

MAX_BYTES = 5_000_000
PCC_TOLERANCE = 0.005
LATENCY_RATIO = 1.25  # the new pair's time against the reference's, measured side by side
FALSE_ALARMS = 0.03  # the trust issue's ceiling on untouched phones turning amber/red
CLASSROOM_SNR = (20, 10)

TRUST_FLOORS = {  # the trust issue's targets for takes that are not the prompt
    "garbage_noise_noticed": 0.99,
    "garbage_other_noticed": 0.95,
    "garbage_half_noticed": 0.95,
    "half_unsaid_low": 0.90,
}
HEADLINE = ("phone_pcc", "word_accuracy_pcc", "sentence_total_pcc", "mdd_f1", "sub_caught",
            "sub_heard_as")  # fmt: skip


def replaces_reference(
    row: dict,
    ref: dict,
    classroom: dict[int, tuple[dict, dict]] | None = None,
    latency_ratio: float | None = None,
) -> list[str]:
    """Why a new pair (``row``) may not replace the reference pair (``ref``, benched in the
    same run); empty when it may: no headline figure falls by more than the tolerance, one
    rises by more, false alarms and refused real readings stay within the trust issue's
    ceilings, every garbage floor holds, and it is no bigger than 5 MB nor much slower
    than the reference. ``classroom`` maps an SNR to both pairs' rows through classroom
    noise: phone PCC there may not fall either, and a rise there counts as ahead.
    ``latency_ratio`` (:func:`tutor.scoring.bench.paired_latency_ratio`) replaces the
    ratio of the rows' p50s, which is only fair when both were benched in one run."""
    pairs = [(k, row[k], ref[k]) for k in HEADLINE]
    pairs += [(f"phone_pcc at {snr} dB", new["phone_pcc"], old["phone_pcc"])
              for snr, (new, old) in sorted((classroom or {}).items(), reverse=True)]  # fmt: skip
    why = [f"{k} {new:.3f} < {old:.3f}" for k, new, old in pairs if new < old - PCC_TOLERANCE]
    if not any(new > old + PCC_TOLERANCE for _, new, old in pairs):
        why.append("no headline figure ahead of the reference")
    if row["sub_false_alarms"] > FALSE_ALARMS:
        why.append(f"false alarms {row['sub_false_alarms']:.2%} > {FALSE_ALARMS:.0%}")
    if row["garbage_real_flagged"] > max(ref["garbage_real_flagged"], 0.02):
        why.append(f"real readings flagged {row['garbage_real_flagged']:.3f}")
    why += [f"{k} {row[k]:.3f} < {floor}" for k, floor in TRUST_FLOORS.items() if row[k] < floor]
    if row["model_bytes"] > MAX_BYTES:
        why.append("over 5 MB")
    # both pairs are benched side by side on one loaded machine: their p50s compare as a
    # ratio, where the absolute figure would say how busy the machine was
    ratio = latency_ratio
    if ratio is None:
        ratio = row["latency_ms_p50"] / ref["latency_ms_p50"]
    if ratio > LATENCY_RATIO:
        why.append(f"{ratio:.2f}x as slow as the reference")
    return why


LATENCY_UTTERANCES = 40


def side_by_side_ratio(new: Path, reference: Path, utts: list[LabelledUtterance]) -> float:
    """The new pair's scoring time against the reference's, the two taking turns."""
    from tutor.scoring.bench import paired_latency_ratio
    from tutor.scoring.engine import Scorer

    return paired_latency_ratio(
        Scorer.load(new, threads=1), Scorer.load(reference, threads=1), utts[:LATENCY_UTTERANCES]
    )


def classroom_pairs(rows: dict[str, dict]) -> dict[int, tuple[dict, dict]]:
    """The new INT8 pair's and the reference's rows through classroom noise, by SNR,
    where both were measured."""
    pairs = {}
    for snr in CLASSROOM_SNR:
        new, old = f"int8, {snr} dB classroom", f"reference, {snr} dB classroom"
        if new in rows and old in rows:
            pairs[snr] = (rows[new], rows[old])
    return pairs


def ear_failures(pair: Path) -> list[str]:
    """What ``pair`` gets wrong of the trust issue's own words (espeak-ng's US voice: "sink"
    for *think*, "wery" for *very*, "sheep" for *ship*, "tree" for *three*): each wrong
    sound must be amber or red and named, each right reading green throughout. The chain
    ships no pair that fails them: ``tests/test_trust.py`` holds the first three, and the
    README says the shipped pair catches the fourth (stop 39's fine-tunes lost it while
    every figure of the rule held); empty when it passes."""
    from functools import partial

    from tutor.scoring.engine import Scorer
    from tutor.voice.espeak import espeak_available

    from .voice_check import CASES, Voice, check, espeak_take

    if not espeak_available():
        return ["espeak-ng is missing: the trust tests' words cannot be checked"]
    speak: dict[str, Voice] = {"espeak-ng en-us": partial(espeak_take, "en-us")}
    rows, right = check(Scorer.load(pair, threads=1), speak, CASES[:4])
    why = [f"{r.said!r} for {r.prompt!r}: {r.phone} {r.score} heard {r.heard or '-'}"
           for r in rows if r.score is None or not (r.flagged and r.named)]  # fmt: skip
    return why + [f"the right reading of {k.split(': ')[1]!r} is not all green"
                  for k, green in right.items() if not green]  # fmt: skip


def version_clash(pair: Path, reference: Path) -> list[str]:
    """Why ``pair`` may not replace ``reference`` under its name: a different acoustic model
    carrying the shipped one's version (two trained on one day, when the version was the
    date) would leave learners' saved attempts reading as scored by one model; empty when
    the versions differ or the files are the same."""
    from .export import get_metadata

    new, old = pair / "acoustic.onnx", reference / "acoustic.onnx"
    version = get_metadata(new).get("version")
    if version != get_metadata(old).get("version") or new.read_bytes() == old.read_bytes():
        return []
    return [f"its acoustic model has the shipped one's version {version!r}: give it its own"]


def refusals(pair: Path, reference: Path) -> list[str]:
    """What stops ``pair`` shipping in place of ``reference`` beyond the figures: the trust
    issue's own words (:func:`ear_failures`), then its version (:func:`version_clash`)."""
    return ear_failures(pair) or version_clash(pair, reference)
