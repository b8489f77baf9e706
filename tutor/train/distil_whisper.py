"""Distil the Whisper teacher's ear into the compact student the app ships.

The student (:class:`~tutor.train.models.ConvPhoneNet`, the shipped size) learns from the
teacher's frame posteriors (:mod:`tutor.train.teacher_phones`) on the training speakers'
speech at speeds 0.9 / 1.0 / 1.1 (the teacher's speed-1 posteriors are time-warped to the
copies), with a share of hard labels from the forced alignment; the teacher's weight
decays over training, as in the seeds' schedule. Checkpointed every epoch (a rerun resumes).

With ``--noisy P`` a share P of the examples in every epoch is heard through a classroom:
other learners' speech (babble), white or pink noise at 0-25 dB SNR, some of it in a
reverberant room, drawn afresh each epoch, while the targets stay the teacher's posteriors
on the clean recording (the student learns to hear the learner through the noise). With
``--clean-synth`` only the corpus recordings go through the classroom: the synthetic takes
are there to teach clean synthetic voices, which the trust tests read.

With ``--trusted-labels S`` the hard labels count only on phones the experts scored at
least S (0-2): where a learner said another sound, the canonical label would teach the
student to hear the expected phone in it, the opposite of what the substitution check asks;
the teacher's posteriors still cover those frames.

With ``--synth-known`` the synthetic takes' soft targets are the phones each engine was
told to say (label smoothing 0.1), not the teacher's posteriors: a student that follows the
teacher closely (16 epochs) also follows it where it is wrong, and the teacher hears
espeak-ng's "sink" as TH. ``--synth-known swaps`` does so only on the frames of the phones
said in place of the prompt's (the teacher names the said sound on under half of them) and
keeps the teacher's posteriors elsewhere.

With ``--spec-augment`` every example's features are masked afresh each epoch (two bands
of up to 8 mel channels, two spans of up to 20 frames, as in SpecAugment) while the targets
stay the teacher's on the unmasked take: the student must match the teacher from partial
evidence, which fights the gap between the training speakers and new ones.

With ``--leave-out K/N`` the training speakers of cross-fitting fold K (of N) are left out:
that student's posteriors on them are what a new speaker's look like, for training the heads
(:mod:`tutor.train.head_negatives` ``--fold-models``).

With ``--feature-distil W`` the student's last block also learns, through a 1x1 projection
used only in training, to predict the teacher phone model's hidden layer on the clean take
(DistilHuBERT's L1 + cosine loss, weight W): 512 numbers a frame where the posteriors give
one best phone, a richer target meant to carry the teacher's ear to new speakers.

With ``--vtlp`` every example's spectrum is stretched each epoch by a fresh factor in
0.9-1.1 (vocal tract length perturbation) with the targets unchanged: a new "speaker"
every epoch, against a corpus of a hundred training speakers.

With ``--confusion-margin W`` the loss gains a hinge, weight W: on frames where the teacher
hears the aligned phone, its log posterior should beat every sound learners confuse it with
(:mod:`tutor.scoring.confusions`) by ``CONFUSION_MARGIN`` nats, the contrast the
substitution check asks of the engine.

With ``--swap-contrast W`` (and ``--synth-known swaps``) the loss gains a second hinge,
weight W: on a synthetic take's swapped phone the said sound's log posterior should beat the
prompt's phone by ``SWAP_MARGIN`` nats. That is the margin the engine reads to flag a wrong
sound; cross-entropy on the said sound alone left espeak-ng's "sink" S ahead of TH by about
2 nats, under the line the learners' own correct phones set (about 2.8).

With ``--synth-confusion W`` the confusion hinge (``CONFUSION_MARGIN``) also runs, weight W,
on every synthetic frame said as told: the other direction of the swap contrast. With the
swaps alone a voice's TH said as S, F or T is taught "not TH", and its own correct TH was
heard as S (stop 34); here the correct TH is held over S, F and T too.

With ``--kd-temperature T`` the corpus takes' teacher targets and the student's logits are
softened by T (Hinton's distillation, loss times T squared): at T = 1 a student whose top
phone is the teacher's loses little for a confusable sound a hundred times less likely than
the teacher has it, and those odds are the margins the engine reads to flag a wrong sound.

With ``--margin-distil W`` the loss copies, weight W, the teacher's log-odds of its top
phone over each confusable sound on every frame; the student learnt the teacher's doubt on
single frames and doubted correct phones (stop 38). ``--phone-margins W`` copies the same
log-odds averaged over each aligned phone's frames, as the engine reads them
(:func:`tutor.train.distil_losses.phone_margin_distil`).

With ``--soup CKPT,CKPT,...`` nothing is trained: the student is the average of those
finished students' weights (:mod:`tutor.train.soup`; draws from one start), its batch-norm
statistics measured afresh over one pass of the training audio. ``CKPT:W`` weighs a student
by W (default 1; WiSE-FT's dial between a fine-tune and its neighbours); the training
options are then ignored, and said so, except ``--self-distil``, which trains the soup on.

With ``--n-mels N`` the student hears N mel bands (Whisper hears 80; the shipped students
40): finer bands resolve the vowel formants and fricative spectra that tell IY from IH and
S from SH. The features travel in the model's metadata, so the engine computes them.

    python -m tutor.train.distil_whisper --data ../shared/data/speechocean762 \\
        --teacher runs/teacher --models assets/models --out runs/kd
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import torch

from tutor.atomic import write_with
from tutor.scoring.features import VOICING_COLUMNS, FeatureConfig
from tutor.scoring.model import AcousticModel
from tutor.scoring.speechocean import labels_path, load_split

from .dataset import speaker_fold, valid_speakers
from .distil_examples import (
    BATCH,
    Example,
    batch_of,
    examples,
    frame_weights,
    hidden_batch,
    in_class,
    noisy_copy,
    prefetched,
    refeatured,
    rival_batch,
    said_as_told,
    spec_augment,
    synth_examples,
    untrusted_out,
    vtlp,
    with_teacher_hidden,
)
from .distil_losses import (
    confusion_hinge,
    feature_loss,
    kd_and_ce,
    margin_distil,
    phone_margin_distil,
    swap_contrast,
    tempered_kd,
)
from .distil_whisper_args import build_parser, soup_ignores
from .export import export_acoustic, file_hash
from .models import STUDENT, ConvNetConfig, ConvPhoneNet
from .onnx_student import start_weights, started_from
from .soup import souped

SPEEDS = (1.0, 0.9, 1.1)
Prepared = tuple[list[Example], torch.Tensor, torch.Tensor, torch.Tensor]

Stateful = torch.nn.Module | torch.optim.Optimizer | torch.optim.lr_scheduler.LRScheduler


def load_state(ckpt: Path, parts: dict[str, Stateful]) -> int:
    """Load ``parts`` from ``ckpt`` if it exists; the epochs already done (0 without it)."""
    if not ckpt.is_file():
        return 0
    state = torch.load(ckpt, weights_only=False)
    for name, part in parts.items():
        if name in state:  # a part added since the checkpoint was written starts afresh
            part.load_state_dict(state[name])
    return int(state["epoch"])


def save_state(ckpt: Path, parts: dict[str, Stateful], epoch: int) -> None:
    """Save ``parts`` after ``epoch`` epochs, replacing ``ckpt`` only once written."""
    state = {**{name: part.state_dict() for name, part in parts.items()}, "epoch": epoch}
    write_with(ckpt, partial(torch.save, state))


def step(
    net: torch.nn.Module,
    opt: torch.optim.Optimizer,
    sched: torch.optim.lr_scheduler.LRScheduler,
    loss: torch.Tensor,
) -> float:
    """One optimiser step on ``loss`` (gradients clipped at 5); the loss's value."""
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
    opt.step()
    sched.step()
    return float(loss.detach())


def train(
    data: list[Example],
    out: Path,
    epochs: int,
    kd_start: float,
    kd_end: float,
    config: ConvNetConfig = STUDENT,
    noisy: float = 0.0,
    features: FeatureConfig | None = None,
    confusion: float = 0.0,
    seed: int = 0,
    masking: bool = False,
    feature_distil: float = 0.0,
    warp: bool = False,
    noisy_synthetic: bool = True,
    init: Path | None = None,
    max_lr: float = 2e-3,
    contrast: float = 0.0,
    synth_confusion: float = 0.0,
    temperature: float = 1.0,
    margins: float = 0.0,
    phone_margins: float = 0.0,
    margin_floor: bool = False,
) -> ConvPhoneNet:
    torch.manual_seed(seed)
    net = ConvPhoneNet(config)
    if init is not None:  # fine-tune a finished student: its ckpt.pt or its acoustic.onnx
        net.load_state_dict(start_weights(init, config, data, noisy, features, noisy_synthetic))
    # feature distillation: a 1x1 projection from the student's last block to the teacher's
    # hidden layer, used in training only (the exported net has no trace of it); made only
    # when asked, so the other recipes draw the same random numbers as before
    project = None
    if feature_distil > 0:
        dim = next(e.hidden.shape[1] for e in data if e.hidden is not None)
        project = torch.nn.Conv1d(config.channels, dim, 1)
    params = [*net.parameters(), *(project.parameters() if project is not None else [])]
    opt = torch.optim.AdamW(params, lr=max_lr, weight_decay=1e-2)
    steps = epochs * -(-len(data) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=steps)
    parts: dict[str, Stateful] = {"model": net, "opt": opt, "sched": sched}
    if project is not None:
        parts["project"] = project
    start = load_state(out / "ckpt.pt", parts)
    swap_weighted = any(e.weight is not None for e in data)
    order_rng = np.random.default_rng(seed)
    lengths = np.array([len(e.feats) for e in data])
    sources = [e.samples for e in data]
    for epoch in range(epochs):
        noise_rng = np.random.default_rng([seed, epoch])  # the same copies on a resumed run
        order = np.argsort(lengths + order_rng.uniform(0, 40, len(lengths)))  # bucketed
        batches = [order[k : k + BATCH] for k in range(0, len(order), BATCH)]
        order_rng.shuffle(batches)
        if epoch < start:
            continue
        net.train()
        w = kd_start + (kd_end - kd_start) * epoch / max(epochs - 1, 1)
        total = 0.0

        def prepare(b: np.ndarray, rng: np.random.Generator = noise_rng) -> Prepared:
            items = in_class([data[i] for i in b], noisy, rng, sources, features, noisy_synthetic)
            x, soft, hard = batch_of(items)
            if warp and features is not None:
                x = vtlp(x, rng, features)
            if masking:
                x = spec_augment(x, rng, features.n_mels if features else None)
            return items, x, soft, hard

        for items, x, soft, hard in prefetched(prepare, batches):
            h = net.hidden(x)
            logits = net.out(h).transpose(1, 2)
            n = min(logits.shape[1], soft.shape[1])
            logits, soft, hard = logits[:, :n], soft[:, :n], hard[:, :n]
            logp = torch.log_softmax(logits, dim=-1)
            weights = frame_weights(items, n) if swap_weighted else None
            kd, ce = kd_and_ce(logp, soft, hard, untrusted_out(items, hard)[:, :n], weights)
            if temperature != 1.0:
                corpus = torch.tensor([bool(e.utt_id) for e in items])
                kd = tempered_kd(logits, soft, hard, corpus, temperature, weights)
            loss = w * kd + (1 - w) * ce
            if project is not None:
                target, mask = hidden_batch(items, n)
                pred = project(h).transpose(1, 2)[:, :n]
                loss = loss + feature_distil * feature_loss(pred, target, mask)
            if confusion > 0:
                loss = loss + confusion * confusion_hinge(logp, soft, hard)
            if contrast > 0:
                loss = loss + contrast * swap_contrast(logp, rival_batch(items, n), hard)
            if margins > 0:
                loss = loss + margins * margin_distil(logp, soft, hard)
            if phone_margins > 0:
                pooled = phone_margin_distil(logp, soft, hard, margin_floor)
                loss = loss + phone_margins * pooled
            if synth_confusion > 0:
                said = said_as_told(items, n)
                loss = loss + synth_confusion * confusion_hinge(logp, soft, hard, said)
            total += step(net, opt, sched, loss)
        save_state(out / "ckpt.pt", parts, epoch + 1)
        print(f"distil epoch {epoch + 1}/{epochs}: teacher weight {w:.2f}, "
              f"loss {total / len(batches):.3f}", file=sys.stderr, flush=True)  # fmt: skip
    return net.eval()


def self_distil(
    net: ConvPhoneNet,
    data: list[Example],
    out: Path,
    epochs: int,
    noisy: float = 0.0,
    features: FeatureConfig | None = None,
    seed: int = 0,
) -> ConvPhoneNet:
    """The seeds' last phase: the distilled student, frozen, teaches a copy of itself
    (half its own posteriors on the clean recording, half the hard labels) at a falling
    learning rate. Checkpointed in ``self_ckpt.pt``."""
    import copy

    teacher = copy.deepcopy(net).eval()
    student = net.train()
    opt = torch.optim.AdamW(student.parameters(), lr=5e-4, weight_decay=1e-2)
    steps = epochs * -(-len(data) // BATCH)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(steps, 1))
    parts: dict[str, Stateful] = {"model": student, "teacher": teacher, "opt": opt, "sched": sched}
    start = load_state(out / "self_ckpt.pt", parts)
    rng = np.random.default_rng(seed + 1)
    sources = [e.samples for e in data]
    for epoch in range(start, epochs):
        noise_rng = np.random.default_rng([seed + 1, epoch])
        order = rng.permutation(len(data))
        total = 0.0
        batches = [order[k : k + BATCH] for k in range(0, len(order), BATCH)]
        for b in batches:
            clean = [data[i] for i in b]
            items = in_class(clean, noisy, noise_rng, sources, features)
            x_clean, _, hard = batch_of(clean)
            x = batch_of(items)[0]
            with torch.no_grad():
                soft = torch.softmax(teacher(x_clean), dim=-1)
            logp = torch.log_softmax(student(x), dim=-1)
            n = min(logp.shape[1], soft.shape[1], hard.shape[1])
            logp, soft, hard = logp[:, :n], soft[:, :n], hard[:, :n]
            kd, ce = kd_and_ce(logp, soft, hard, hard)
            total += step(student, opt, sched, 0.5 * kd + 0.5 * ce)
        save_state(out / "self_ckpt.pt", parts, epoch + 1)
        print(f"self-distillation epoch {epoch + 1}/{epochs}: loss {total / len(batches):.3f}",
              file=sys.stderr, flush=True)  # fmt: skip
    return student.eval()


@torch.no_grad()
def agreement(net: ConvPhoneNet, data: list[Example]) -> float:
    """Share of validation frames where the student's top phone is the teacher's."""
    hits = total = 0
    for e in data:
        pred = net(torch.from_numpy(e.feats)[None])[0].argmax(-1).numpy()
        n = min(len(pred), len(e.teacher))
        hits += int((pred[:n] == e.teacher[:n].argmax(-1)).sum())
        total += n
    return hits / max(total, 1)


def main(argv: list[str] | None = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    if args.phone_margins_mode != "copy" and not args.phone_margins:
        ap.error(f"--phone-margins-mode {args.phone_margins_mode} needs --phone-margins W")
    if ignored := soup_ignores(ap, args):
        print(f"--soup trains nothing: {', '.join(ignored)} ignored", file=sys.stderr)
    config = replace(
        STUDENT,
        channels=args.channels,
        blocks=args.blocks,
        dilations=args.dilations,
        context=args.context,
        spectral_front=args.spectral_front,
    )
    utts = load_split(args.data, "train")[: args.limit]
    acoustic = AcousticModel.load(args.models / "acoustic.onnx")
    features = acoustic.features
    if args.n_mels:
        features = replace(features, n_mels=args.n_mels)
        config = replace(config, n_mels=args.n_mels)
    if args.voicing:
        features = replace(features, voicing=True)
        config = replace(config, extra_inputs=VOICING_COLUMNS)
    valid = set(valid_speakers())
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    train_utts = [u for u in utts if u.speaker not in valid]
    if args.leave_out:
        fold, folds = args.leave_out
        train_utts = [u for u in train_utts if speaker_fold(u.speaker, folds) != fold]
    train_ex = examples(train_utts, args.teacher, acoustic, SPEEDS, args.trusted_labels)
    if args.synth:
        train_ex += synth_examples(
            args.synth, args.teacher, acoustic, args.synth_known, args.swap_weight
        )
    if args.feature_distil > 0:
        train_ex = with_teacher_hidden(train_ex, args.teacher)
    valid_ex = examples([u for u in utts if u.speaker in valid], args.teacher, acoustic, (1.0,))
    if features != acoustic.features:
        train_ex, valid_ex = refeatured(train_ex, features), refeatured(valid_ex, features)
    if args.soup:
        paths, weights = zip(*args.soup, strict=True)
        net = souped(paths, config, train_ex, args.noisy, features, not args.clean_synth,
                     args.seed, weights)  # fmt: skip
    else:
        net = train(
            train_ex, args.out, args.epochs, args.kd_start, args.kd_end,
            config, args.noisy, features, args.confusion_margin,
            masking=args.spec_augment, feature_distil=args.feature_distil, warp=args.vtlp,
            noisy_synthetic=not args.clean_synth, init=args.init, max_lr=args.max_lr,
            contrast=args.swap_contrast, synth_confusion=args.synth_confusion,
            seed=args.seed, temperature=args.kd_temperature, margins=args.margin_distil,
            phone_margins=args.phone_margins, margin_floor=args.phone_margins_mode == "floor",
        )  # fmt: skip
    if args.self_distil:
        net = self_distil(
            net, train_ex, args.out, args.self_distil, args.noisy, features, seed=args.seed
        )
    agree = agreement(net, valid_ex)
    rng = np.random.default_rng(1)
    sources = [e.samples for e in valid_ex]
    noisy_agree = agreement(net, [noisy_copy(e, rng, sources, features) for e in valid_ex])
    settings = {"student": config.to_dict(), "teacher": "whisper-base encoder + phone model",
                "epochs": 0 if args.soup else args.epochs,
                "kd_weight": [args.kd_start, args.kd_end],
                "speeds": SPEEDS, "noisy": args.noisy, "clean_synth": args.clean_synth,
                "synth_known": args.synth_known, "swap_weight": args.swap_weight,
                "swap_contrast": args.swap_contrast,
                "synth_confusion": args.synth_confusion, "seed": args.seed,
                "kd_temperature": args.kd_temperature,
                "init": started_from(args.init), "max_lr": args.max_lr,
                "soup": [[str(c), w] for c, w in args.soup] if args.soup else None,
                "confusion_margin": args.confusion_margin,
                "margin_distil": args.margin_distil,
                "phone_margins": args.phone_margins,
                "phone_margins_mode": args.phone_margins_mode,
                "trusted_labels": args.trusted_labels,
                "left_out_fold": args.leave_out,
                "spec_augment": args.spec_augment,
                "feature_distil": args.feature_distil,
                "vtlp": args.vtlp,
                "n_mels": features.n_mels,
                "voicing": features.voicing,
                "synthetic": str(args.synth.name) if args.synth else None,
                "self_distillation_epochs": args.self_distil}  # fmt: skip
    export_acoustic(
        net,
        args.out / "acoustic.onnx",
        features,
        {
            "version": f"whisperkd-{time.strftime('%Y%m%d-%H%M')}",  # one per run
            "variant": "whisper_kd",
            "training_data": "speechocean762 train (CC BY 4.0) minus validation speakers, "
            "soft labels from Whisper base (MIT)",
            "data_hash": file_hash(labels_path(args.data, "train")),
            "settings": json.dumps(settings),
            "validation": json.dumps(
                {"teacher_agreement": agree, "teacher_agreement_noisy": noisy_agree}
            ),
        },
    )
    print(f"student: teacher agreement on validation frames {agree:.3f} "
          f"(through classroom noise {noisy_agree:.3f}) "
          f"({time.time() - t0:.0f} s) -> {args.out / 'acoustic.onnx'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
