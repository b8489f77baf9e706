"""One command from the corpus and the teacher packages to shippable models.

    python -m tutor.train.whisper_chain --data ../shared/data/speechocean762 --out runs/chain \\
        [--channels 320 --blocks 8 --noisy 0.5] [--trusted-labels 1.5 --synth-takes 4000] \\
        [--feature-distil 1.0] [--vtlp] [--spectral-front 32] [--noise-injection 0.05] \\
        [--teacher-cross-fit 4] [--experts-cross-fit] [--rows int8] [--ship-to assets/models] \\
        [--heads-from assets/models --refit-knee --single-pass] [--seed 2] \\
        [--init runs/X/student/ckpt.pt --epochs 2 --kd-start 0.5 --kd-end 0.5 --max-lr 5e-4]

The stages, each cached or checkpointed under ``--out`` (a rerun resumes):

1. ``teacher``: Whisper base encoder frames for every training utterance
   (:mod:`tutor.train.whisper_teacher`, needs the ``[teacher]`` extra) and the teacher's
   phone model on them (:mod:`tutor.train.teacher_phones`); with ``--teacher-cross-fit N``
   also N fold phone models, so each training speaker's distillation targets come from
   a teacher that never heard them (how it hears a new learner, errors included);
2. ``student``: the compact acoustic model distilled from the teacher
   (:mod:`tutor.train.distil_whisper`), with ``--synth-takes N`` also from N synthetic takes
   (:mod:`tutor.train.synth`, a share mispronounced on purpose) that the teacher labels;
   ``--seed`` makes another draw of it, ``--init`` fine-tunes a finished student instead
   (the fold students always start fresh);
3. ``heads``: the scoring head on the experts' labels and the one with swapped-phone
   negatives (:mod:`tutor.train.head_negatives`), blended (:mod:`tutor.train.head_mix`);
   with ``--cross-fit N`` the negatives head learns from the posteriors of N students that
   each never heard the speakers they score (``fold*/``), as the shipped student hears a
   new learner (the experts' head stays on the full student's unless
   ``--experts-cross-fit``: for the 1-D student that cost phone PCC, for the 2-D front it
   lifts the green line; see the model card); ``--plain-folds`` distils those fold students
   from the clean corpus alone, as the shipped heads' students were;
4. ``calibrate``: the confusion line (a phone clearly heard as a sound learners say
   instead is at best amber; :func:`tutor.train.margin_check.confusion_line`), the prompt
   check's thresholds (:mod:`tutor.train.prompt_calibration`) and the phone score's green
   line (:mod:`tutor.train.phone_knee`, with the confusion line in place, measured on the
   INT8 copies that ship), on validation;
5. ``int8``: weight-only INT8 copies of both models (:mod:`tutor.train.weight_int8`), and
   the data-free compression rows (:mod:`tutor.train.onnx_compress`: global magnitude
   pruning, channel-wise k-means, both then INT8), measured for the table; with
   ``--noise-injection S`` also the student with each block's width learnt by noisy gates
   and cut (:mod:`tutor.train.noise_reparam`), then INT8;
6. ``measure``: ``tutor bench --substitute`` on the validation slice for the float and the
   INT8 models, into ``table.md`` / ``table.json``; with ``--ship-to`` the smaller one that
   keeps phone PCC within 0.005 of the float one, is at most 5 MB and 50 ms p50 is copied.
   ``--rows`` measures only the named rows (with no reference pair, nothing then ships).
   With a reference pair (``--reference DIR``; else ``--heads-from DIR``, where the student
   borrows DIR's head instead of training fold students and heads; else the pair
   ``--ship-to`` holds) that pair is benched beside the INT8 row, through classroom noise
   too when those rows are measured, and ``--ship-to`` copies the new pair only where
   :func:`replaces_reference` finds it no worse and ahead somewhere.

Downloads happen only through the package installer (the teacher packages); nothing here
fetches from the network.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from tutor.scoring.speechocean import LabelledUtterance, load_split

from .dataset import valid_speakers
from .phone_knee import SEARCH, refined_knee
from .ship_rule import (
    CLASSROOM_SNR,
    FALSE_ALARMS,
    MAX_BYTES,
    PCC_TOLERANCE,
    classroom_pairs,
    refusals,
    replaces_reference,
    side_by_side_ratio,
)
from .whisper_chain_args import chain_parser

MAX_P50_MS = 50.0
PRUNE = 0.5  # the data-free compression rows
KMEANS = 16
MODEL_FILES = ("acoustic.onnx", "head.onnx")
WORKERS = min(2, os.cpu_count() or 1)
#: Head metadata for ``--single-pass``: the engine runs the acoustic model once a take.
ONE_PASS = {"test_time_speeds": "1.0"}


def _step(name: str, module_main: Callable[[list[str]], int], argv: list[str]) -> None:
    """Run one stage's command; its wall time is logged so a run's cost can be quoted."""
    print(f"[chain] {name}: {' '.join(argv)}", file=sys.stderr, flush=True)
    t0 = time.monotonic()
    code = module_main(argv)
    if code:
        raise SystemExit(f"[chain] {name} failed (exit {code})")
    print(f"[chain] {name} done in {(time.monotonic() - t0) / 60:.1f} min", file=sys.stderr,
          flush=True)  # fmt: skip


def _side_by_side(calls: list[tuple[Callable[..., Any], tuple]]) -> list[Any]:
    """Each ``(function, args)`` in a process of its own, :data:`WORKERS` at a time, results
    in order. The heads' posteriors and the benches run ONNX on one thread each, so on a
    2-core machine two independent stages take the time of one. A failure is raised here."""
    if len(calls) < 2 or WORKERS < 2:
        return [fn(*args) for fn, args in calls]
    spawn = multiprocessing.get_context("spawn")  # no fork of a process that holds torch
    with ProcessPoolExecutor(max_workers=WORKERS, mp_context=spawn) as pool:
        futures = [pool.submit(fn, *args) for fn, args in calls]
        return [f.result() for f in futures]


def _bench(
    utts: list[LabelledUtterance], data: Path, models: Path, out: Path, classroom: float | None
) -> dict:
    """``tutor bench`` on the validation slice, cached in ``out``: the trust checks on clean
    takes, or (``classroom``) the correlations through other learners' speech."""
    if not out.is_file():
        from tutor.scoring.bench_run import bench_split
        from tutor.scoring.engine import Scorer

        scorer = Scorer.load(models, threads=1, warm_up=False)
        trust = classroom is None
        result = bench_split(
            scorer, utts, data, "train", substitute=trust, garbage=trust, classroom=classroom
        )
        out.write_text(json.dumps(result, indent=2) + "\n")
    return json.loads(out.read_text())


def _student_recipe(args: argparse.Namespace) -> list[str]:
    """The distillation's model and loss options, shared by the student and the folds."""
    extra = []
    if args.trusted_labels is not None:
        extra += ["--trusted-labels", str(args.trusted_labels)]
    if args.feature_distil:
        extra += ["--feature-distil", str(args.feature_distil)]
    if args.vtlp:
        extra.append("--vtlp")
    if args.spectral_front:
        extra += ["--spectral-front", str(args.spectral_front)]
    if args.n_mels:
        extra += ["--n-mels", str(args.n_mels)]
    if args.voicing:
        extra.append("--voicing")
    if args.dilations:
        extra += ["--dilations", ",".join(map(str, args.dilations))]
    return extra


def _student_start(args: argparse.Namespace) -> list[str]:
    """Where the shipped student's distillation starts: its draw, or a finished student
    it fine-tunes (with that fine-tune's teacher weight, peak learning rate and losses)."""
    start = []
    for flag, value in (("--seed", args.seed), ("--init", args.init),
                        ("--kd-start", args.kd_start), ("--kd-end", args.kd_end),
                        ("--max-lr", args.max_lr),
                        ("--phone-margins", args.phone_margins),
                        ("--phone-margins-mode", args.phone_margins_mode)):  # fmt: skip
        if value is not None:  # unset: the distillation's own default
            start += [flag, str(value)]
    return start


def _student_data(args: argparse.Namespace, out: Path) -> list[str]:
    """The audio the student hears beyond the clean corpus: classroom copies and the
    synthetic takes (made first, resumable)."""
    extra = ["--noisy", str(args.noisy)]
    if args.clean_synth:
        extra.append("--clean-synth")
    if args.synth_known:
        extra += ["--synth-known", args.synth_known, "--swap-weight", str(args.swap_weight),
                  "--swap-contrast", str(args.swap_contrast)]  # fmt: skip
    if args.synth:  # takes made beforehand (e.g. tutor.train.synth --balance)
        extra += ["--synth", str(args.synth)]
    elif args.synth_takes:
        from . import synth

        words = args.synth_takes // 4
        _step("synthetic takes", synth.main,
              ["--out", str(out / "synth"), "--words", str(words), "--sentences",
               str(args.synth_takes - words), "--mispronounce", "0.4",
               "--data", str(args.data)])  # fmt: skip
        extra += ["--synth", str(out / "synth" / "manifest.jsonl")]
    return extra


def _confusion_line(
    student: Path, valid: list[LabelledUtterance], cache: Path, share: float
) -> float:
    """The head's confusion line for ``student`` (:func:`tutor.train.margin_check.confusion_line`
    on the substitution check's readings of the validation slice), cached with its share."""
    from .margin_check import confusion_line, margins, model_posteriors

    cached = json.loads(cache.read_text()) if cache.is_file() else {}
    if cached.get("share", share) != share or "line" not in cached:
        untouched = margins(valid, model_posteriors(student / "acoustic.onnx")).untouched
        cached = {"line": confusion_line(untouched, share), "share": share}
        cache.write_text(json.dumps(cached) + "\n")
    line = float(cached["line"])
    print(f"[chain] confusion line {line:.2f} nats", file=sys.stderr, flush=True)
    return line


def _compressed(student: Path, out: Path) -> dict[str, Path]:
    """The table's data-free compression rows, each a model folder (the float head, or
    the INT8 one beside an INT8 acoustic model)."""
    from .onnx_compress import cluster_channels, prune_global
    from .weight_int8 import quantize_weights_int8

    rows = {
        f"pruned {PRUNE:.0%}": out / "student_pruned",
        f"k-means {KMEANS}": out / "student_kmeans",
        f"pruned {PRUNE:.0%} + k-means {KMEANS} + int8": out / "student_pkq",
    }
    src = student / "acoustic.onnx"
    for folder in rows.values():
        folder.mkdir(exist_ok=True)
    pruned, kmeans, pkq = rows.values()
    prune_global(src, pruned / "acoustic.onnx", PRUNE)
    shutil.copy2(student / "head.onnx", pruned / "head.onnx")
    cluster_channels(src, kmeans / "acoustic.onnx", KMEANS)
    shutil.copy2(student / "head.onnx", kmeans / "head.onnx")
    cluster_channels(pruned / "acoustic.onnx", pkq / "clustered.onnx", KMEANS)
    quantize_weights_int8(pkq / "clustered.onnx", pkq / "acoustic.onnx")
    (pkq / "clustered.onnx").unlink()
    quantize_weights_int8(student / "head.onnx", pkq / "head.onnx")
    return rows


def _borrowed_head(
    data: str, student: Path, head: Path, line: float, single_pass: bool = False
) -> None:
    """``student`` paired with an existing blended head (``--heads-from``): the prompt
    check measured for this student and the head's confusion line set to this student's
    margins (with ``single_pass`` the head names speed 1 alone, so the engine runs
    the acoustic model once a take); the head's phone knee stays the one it was calibrated
    with."""
    from . import prompt_calibration
    from .export import get_metadata, set_metadata

    if "prompt_check" not in get_metadata(student / "acoustic.onnx"):
        _step("prompt check", prompt_calibration.main,
              ["--data", data, "--models", str(student), "--write"])  # fmt: skip
    shutil.copy2(head, student / "head.onnx")
    once = ONE_PASS if single_pass else {}
    set_metadata(student / "head.onnx", {"confusion_line": f"{line:g}", **once})


def _blend(mix: list[str], head: Path, knee: float, single_pass: bool = False) -> None:
    """The two trained heads (``mix``: head_mix's arguments but ``--out``) blended into
    ``head`` at this phone knee; with ``single_pass`` the blend names speed 1 alone, as a
    borrowed head can, so the engine runs the acoustic model once a take (the heads still
    learnt from the three speeds)."""
    from . import head_mix
    from .export import set_metadata

    _step("blend", head_mix.main, [*mix, "--out", str(head), "--phone-knee", str(knee)])
    if single_pass:
        set_metadata(head, ONE_PASS)


def _borrowed_knee(
    student: Path,
    valid: list[LabelledUtterance],
    int8_copies: Callable[[], Path],
    knee_file: Path,
    line: float,
) -> None:
    """The borrowed head's knee moved (:func:`tutor.train.phone_knee.refined_knee`, on the
    INT8 copies) to the highest under the false alarms' ceiling; cached in ``knee_file`` (one
    found by stop 37's downward search is measured again). It makes cached benches stale."""
    import onnx

    from .export import get_metadata
    from .head_mix import knee_of, with_knee

    head = student / "head.onnx"

    def apply(value: float) -> None:
        onnx.save(with_knee(onnx.load(head), value), head)

    key = {"line": line, "search": SEARCH, "speeds": get_metadata(head).get("test_time_speeds")}
    cached = json.loads(knee_file.read_text()) if knee_file.is_file() else {}
    if all(cached.get(k) == v for k, v in key.items()):
        apply(cached["knee"])
        return
    knee = refined_knee(knee_of(onnx.load(head)), apply, int8_copies, valid, FALSE_ALARMS)
    knee_file.write_text(json.dumps({**knee.__dict__, **key}) + "\n")
    for stale in knee_file.parent.glob("bench_int8*.json"):
        stale.unlink()


def reference_pair(args: argparse.Namespace) -> Path | None:
    """The pair a new one is judged against: ``--reference``, else the pair whose head
    the student borrows, else the pair ``--ship-to`` would replace (when it holds one)."""
    for folder in (args.reference, args.heads_from, args.ship_to):
        if folder is not None and all((folder / m).is_file() for m in MODEL_FILES):
            return folder
    return None


def _ship(pair: Path, to: Path) -> None:
    """Copy the acoustic model and the head in ``pair`` to ``to``."""
    to.mkdir(parents=True, exist_ok=True)
    for name in MODEL_FILES:
        shutil.copy2(pair / name, to / name)
    print(f"[chain] shipped to {to}")


def ship_borrowed(pair: Path, to: Path, knee_refit: bool = False) -> None:
    """Copy a student and its borrowed head to ``to``; the head's metadata names the
    acoustic model it now serves and the one its knee was calibrated with (this one if
    ``knee_refit``: ``--refit-knee`` measured it here)."""
    from .export import get_metadata, set_metadata

    calibrated_with = get_metadata(pair / "head.onnx").get("acoustic_version", "?")
    _ship(pair, to)
    version = get_metadata(to / "acoustic.onnx").get("version", "?")
    knee = version if knee_refit else calibrated_with
    set_metadata(to / "head.onnx", {"acoustic_version": version, "knee_calibrated_with": knee})


def _noise_injection(args: argparse.Namespace, first: Path, out: Path) -> dict[str, Path]:
    """The noise-injection row (each block's width learnt, then cut), INT8 like the
    shipped pair; empty unless ``--noise-injection`` asks for it."""
    if not args.noise_injection:
        return {}
    from . import noise_reparam
    from .weight_int8 import quantize_weights_int8

    tag = f"{args.noise_injection:g}"  # one folder per strength, so rows sit side by side
    student, cut, row = out / "student", out / f"nir_{tag}", out / f"student_nir_{tag}"
    if not (cut / "acoustic.onnx").is_file():
        _step("noise injection", noise_reparam.main,
              ["--data", str(args.data), "--teacher", str(out / "teacher"), "--models",
               str(first), "--student", str(student), "--out", str(cut),
               "--strength", str(args.noise_injection)])  # fmt: skip
    row.mkdir(exist_ok=True)
    quantize_weights_int8(cut / "acoustic.onnx", row / "acoustic.onnx")
    quantize_weights_int8(student / "head.onnx", row / "head.onnx")
    return {f"noise injection {tag} + int8": row}


def main(argv: list[str] | None = None) -> int:
    ap = chain_parser()
    args = ap.parse_args(argv)
    if args.reference and not all((args.reference / m).is_file() for m in MODEL_FILES):
        ap.error(f"--reference {args.reference} does not hold {' and '.join(MODEL_FILES)}")
    reference = reference_pair(args)
    from tutor.paths import models_dir

    from . import (
        distil_whisper,
        head_negatives,
        prompt_calibration,
        teacher_phones,
        whisper_teacher,
    )
    from .weight_int8 import quantize_weights_int8

    data, out = str(args.data), args.out
    first = args.models or models_dir()
    teacher, student = out / "teacher", out / "student"
    out.mkdir(parents=True, exist_ok=True)
    # 1. the teacher
    _step("teacher frames", whisper_teacher.main, ["--data", data, "--out", str(teacher)])
    teacher_folds = ["--cross-fit", str(args.teacher_cross_fit)] if args.teacher_cross_fit else []
    if args.teacher_trusted is not None:
        teacher_folds += ["--trusted", str(args.teacher_trusted)]
    if (
        not (teacher / "phones.pt").is_file()
        or (
            args.teacher_cross_fit
            and len(teacher_phones.fold_models(teacher)) != args.teacher_cross_fit
        )
        or teacher_phones.trained_with(teacher) != {"trusted": args.teacher_trusted}
    ):  # a teacher labelled otherwise is refused there, not silently reused
        _step("teacher phones", teacher_phones.main,
              ["--data", data, "--teacher", str(teacher), "--models", str(first),
               *teacher_folds])  # fmt: skip
    # 2. the student, and (3.) the fold students the negatives head learns from
    folds = [out / f"fold{k}" for k in range(args.cross_fit)]
    todo: list[tuple[str, Path, list[str]]] = []  # (step, --out, extra options)
    if not (student / "acoustic.onnx").is_file():
        todo.append(("distil", student, []))
    trained_heads = args.heads_from is None
    if trained_heads and not all(
        (out / f"head_{h}" / "head.onnx").is_file() for h in ("negatives", "experts")
    ):
        todo += [(f"fold student {k}", fold, ["--leave-out", f"{k}/{args.cross_fit}"])
                 for k, fold in enumerate(folds)
                 if not (fold / "acoustic.onnx").is_file()]  # fmt: skip
    if todo:
        recipe = ["--data", data, "--teacher", str(teacher), "--models", str(first),
                  "--channels", str(args.channels), "--blocks", str(args.blocks),
                  "--epochs", str(args.epochs), *_student_recipe(args)]  # fmt: skip
        heard = _student_data(args, out)
        for name, folder, extra in todo:
            audio = [] if args.plain_folds and folder in folds else heard
            start = [] if folder in folds else _student_start(args)
            _step(name, distil_whisper.main,
                  [*recipe, *audio, *start, "--out", str(folder), *extra])  # fmt: skip
    # 3. the heads
    cross = ["--fold-models", ",".join(str(f) for f in folds)] if folds else []
    experts_cross = cross if args.experts_cross_fit else []
    heads = {
        "experts": ["--negatives", "0", *experts_cross],
        "negatives": ["--members", "2", *cross, *(["--rated"] if args.rated_negatives else [])],
    }
    _side_by_side([(_step, (f"head ({name})", head_negatives.main,
                            ["--data", data, "--models", str(student), "--out",
                             str(out / f"head_{name}"), *extra]))
                   for name, extra in heads.items() if trained_heads
                   and not (out / f"head_{name}" / "head.onnx").is_file()])  # fmt: skip
    keep = set(valid_speakers())
    valid = [u for u in load_split(args.data, "train") if u.speaker in keep]  # every figure
    # 4. calibration: the confusion line, the prompt check, then the green line
    line = _confusion_line(student, valid, out / "line.json", args.line_share)
    mix = [str(out / "head_experts" / "head.onnx"), str(out / "head_negatives" / "head.onnx"),
           "--weight", str(args.weight), "--confusion-line", str(line)]  # fmt: skip
    int8 = out / "student_int8"
    int8.mkdir(exist_ok=True)

    def int8_copies() -> Path:
        for name in MODEL_FILES:
            quantize_weights_int8(student / name, int8 / name)
        return int8

    def blend(knee: float) -> None:
        _blend(mix, student / "head.onnx", knee, args.single_pass)

    knee_file = out / "knee.json"
    stale = knee_file.is_file() and json.loads(knee_file.read_text()).get("line") != line
    if not trained_heads:
        _borrowed_head(data, student, args.heads_from / "head.onnx", line, args.single_pass)
        if args.refit_knee:
            _borrowed_knee(student, valid, int8_copies, knee_file, line)
    elif not knee_file.is_file() or stale:
        _step("prompt check", prompt_calibration.main,
              ["--data", data, "--models", str(student), "--write"])  # fmt: skip
        blend(1.5)
        from tutor.scoring.engine import Scorer

        from .phone_knee import choose_knee, raw_scores

        # measured on the INT8 copies, which are what ships
        knee = choose_knee(*raw_scores(Scorer.load(int8_copies(), threads=1), valid),
                           FALSE_ALARMS)  # fmt: skip

        knee = refined_knee(knee.knee, blend, int8_copies, valid, FALSE_ALARMS)
        knee_file.write_text(json.dumps({**knee.__dict__, "line": line}) + "\n")
    if trained_heads:
        blend(json.loads(knee_file.read_text())["knee"])
    # 5. INT8 copies
    int8_copies()
    # 6. measure and ship
    from .quantize import compressed_bytes

    folders = {"float": student, "int8": int8}
    plain = {*folders, "classroom"}
    wanted = set(args.rows.split(",")) if args.rows else None
    if wanted is None or wanted - plain:  # the compression rows are built only to be measured
        folders |= {**_compressed(student, out), **_noise_injection(args, first, out)}
    wanted = wanted or {*folders, "classroom"}
    if reference:
        wanted.add("int8")  # the row compared with the reference
    folders = {name: folder for name, folder in folders.items() if name in wanted}
    benches: dict[str, tuple] = {}  # row -> _bench's arguments
    for name, folder in folders.items():
        tag = name if folder in (student, int8) else folder.name  # bench_float, bench_int8
        benches[name] = (valid, args.data, folder, out / f"bench_{tag}.json", None)
    if reference:  # the pair the new one must beat, measured in the same way
        folders["reference"] = reference
        benches["reference"] = (valid, args.data, reference, out / "bench_reference.json", None)
    for snr in CLASSROOM_SNR if "classroom" in wanted else ():  # the int8 pairs, in noise
        noisy = {"int8": int8, **({"reference": reference} if reference else {})}
        for name, pair in noisy.items():
            benches[f"{name}, {snr} dB classroom"] = (
                valid, args.data, pair, out / f"bench_{name}_{snr}db.json", float(snr)
            )  # fmt: skip
    rows = dict(zip(benches, _side_by_side([(_bench, a) for a in benches.values()]), strict=True))
    for name, folder in folders.items():
        rows[name]["xz_bytes"] = sum(compressed_bytes(folder / m) for m in MODEL_FILES)
    (out / "table.json").write_text(json.dumps(rows, indent=2) + "\n")
    keys = ("phone_pcc", "word_accuracy_pcc", "sentence_total_pcc", "mdd_f1", "sub_caught",
            "sub_false_alarms", "sub_heard_as", "garbage_real_flagged", "too_noisy",
            "latency_ms_p50", "model_bytes", "xz_bytes")  # fmt: skip
    lines = ["| variant | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for name, row in rows.items():
        cells = [
            f"{row[k]:.3f}" if isinstance(row.get(k), float) else str(row.get(k, "–")) for k in keys
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    (out / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if reference:
        ratio = side_by_side_ratio(int8, reference, valid)
        print(f"[chain] the int8 pair takes {ratio:.2f}x the reference's time", file=sys.stderr)
        why = replaces_reference(rows["int8"], rows["reference"], classroom_pairs(rows), ratio)
        why = why or refusals(int8, reference)  # the trust issue's words, the version
        print(f"[chain] the int8 pair {'replaces' if not why else 'does not replace'} the "
              f"reference {reference}{': ' + '; '.join(why) if why else ''}",
              file=sys.stderr)  # fmt: skip
        if args.ship_to and not why:
            if args.heads_from:
                ship_borrowed(int8, args.ship_to, knee_refit=args.refit_knee)
            else:
                _ship(int8, args.ship_to)
        return 0
    if args.rows:
        print("[chain] only some rows measured: the ship rule needs them all", file=sys.stderr)
        return 0
    fits = [n for n in ("int8", "float") if rows[n]["model_bytes"] <= MAX_BYTES
            and rows[n]["latency_ms_p50"] <= MAX_P50_MS
            and rows[n]["phone_pcc"] >= rows["float"]["phone_pcc"] - PCC_TOLERANCE]  # fmt: skip
    if not fits:
        print("[chain] no variant fits 5 MB and 50 ms: nothing shipped", file=sys.stderr)
        return 1
    chosen = int8 if fits[0] == "int8" else student
    print(f"[chain] chosen: {fits[0]} ({chosen})")
    if args.ship_to:
        _ship(chosen, args.ship_to)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
