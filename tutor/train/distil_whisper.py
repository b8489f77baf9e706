"""Distil the Whisper teacher's ear into the compact student the app ships.

The student (:class:`~tutor.train.models.ConvPhoneNet`, the shipped size) learns from the
teacher's frame posteriors (:mod:`tutor.train.teacher_phones`) on the training speakers'
speech at speeds 0.9 / 1.0 / 1.1 (the teacher's speed-1 posteriors are time-warped to the
copies), with a share of hard labels from the forced alignment; the teacher's weight
decays over training, as in the seeds' schedule. Checkpointed every epoch (a rerun resumes).

    python -m tutor.train.distil_whisper --data ../shared/data/speechocean762 \\
        --teacher runs/teacher --models assets/models --out runs/kd
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from tutor.scoring.audio import change_speed, load_audio
from tutor.scoring.features import log_mel
from tutor.scoring.model import AcousticModel
from tutor.scoring.phones import PHONE_SET
from tutor.scoring.speechocean import LabelledUtterance, labels_path, load_split

from .dataset import valid_speakers
from .export import export_acoustic, file_hash
from .models import STUDENT, ConvPhoneNet
from .teacher_phones import aligned_labels, teacher_posteriors

SPEEDS = (1.0, 0.9, 1.1)

Example = tuple[np.ndarray, np.ndarray, np.ndarray]  # features, teacher log post, labels


def examples(
    utts: list[LabelledUtterance], teacher: Path, acoustic: AcousticModel, speeds: tuple[float, ...]
) -> list[Example]:
    post = teacher_posteriors(teacher)
    out: list[Example] = []
    for k, u in enumerate(utts):
        t1 = post(u, 1.0)
        if t1 is None:
            continue
        audio = load_audio(u.audio)
        for s in speeds:
            feats = log_mel(change_speed(audio.samples, audio.sample_rate, s), acoustic.features)
            log_post = acoustic.log_posteriors(feats)
            n = len(log_post)
            # speed s plays the audio s times faster: output frame j is the teacher's j * s
            idx = np.clip(np.round(np.arange(n) * s).astype(int), 0, len(t1) - 1)
            try:
                labels = aligned_labels(log_post, u)
            except ValueError:  # too few frames at this speed
                continue
            out.append((feats.astype(np.float32), t1[idx].astype(np.float32), labels))
        if (k + 1) % 250 == 0:
            print(f"distil examples: {k + 1}/{len(utts)}", file=sys.stderr, flush=True)
    return out


def _batch(items: list[Example]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    t = max(len(f) for f, _, _ in items)
    n = max(len(y) for _, _, y in items)
    x = torch.zeros(len(items), t, items[0][0].shape[1])
    soft = torch.zeros(len(items), n, len(PHONE_SET))
    hard = torch.full((len(items), n), -100, dtype=torch.long)
    for j, (f, tl, y) in enumerate(items):
        x[j, : len(f)] = torch.from_numpy(f)
        soft[j, : len(tl)] = torch.from_numpy(np.exp(tl))
        hard[j, : len(y)] = torch.from_numpy(y)
    return x, soft, hard


def train(
    data: list[Example], out: Path, epochs: int, kd_start: float, kd_end: float, seed: int = 0
) -> ConvPhoneNet:
    torch.manual_seed(seed)
    net = ConvPhoneNet(STUDENT)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-2)
    batch = 16
    steps = epochs * -(-len(data) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    start = 0
    ckpt = out / "ckpt.pt"
    if ckpt.is_file():
        state = torch.load(ckpt, weights_only=False)
        net.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        start = state["epoch"]
    order_rng = np.random.default_rng(seed)
    lengths = np.array([len(f) for f, _, _ in data])
    for epoch in range(epochs):
        order = np.argsort(lengths + order_rng.uniform(0, 40, len(lengths)))  # bucketed
        batches = [order[k : k + batch] for k in range(0, len(order), batch)]
        order_rng.shuffle(batches)
        if epoch < start:
            continue
        net.train()
        w = kd_start + (kd_end - kd_start) * epoch / max(epochs - 1, 1)
        total = 0.0
        for b in batches:
            x, soft, hard = _batch([data[i] for i in b])
            logp = torch.log_softmax(net(x), dim=-1)
            n = min(logp.shape[1], soft.shape[1])
            logp, soft, hard = logp[:, :n], soft[:, :n], hard[:, :n]
            mask = (hard >= 0).float()
            kd = -(soft * logp).sum(-1)
            kd = (kd * mask).sum() / mask.sum()
            ce = F.nll_loss(logp.reshape(-1, len(PHONE_SET)), hard.reshape(-1))
            loss = w * kd + (1 - w) * ce
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
            sched.step()
            total += float(loss.detach())
        state = {"model": net.state_dict(), "opt": opt.state_dict(),
                 "sched": sched.state_dict(), "epoch": epoch + 1}  # fmt: skip
        torch.save(state, out / "ckpt.tmp")
        (out / "ckpt.tmp").replace(ckpt)
        print(f"distil epoch {epoch + 1}/{epochs}: teacher weight {w:.2f}, "
              f"loss {total / len(batches):.3f}", file=sys.stderr, flush=True)  # fmt: skip
    return net.eval()


@torch.no_grad()
def agreement(net: ConvPhoneNet, data: list[Example]) -> float:
    """Share of validation frames where the student's top phone is the teacher's."""
    hits = total = 0
    for f, tl, _ in data:
        pred = net(torch.from_numpy(f)[None])[0].argmax(-1).numpy()
        n = min(len(pred), len(tl))
        hits += int((pred[:n] == tl[:n].argmax(-1)).sum())
        total += n
    return hits / max(total, 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tutor.train.distil_whisper")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--teacher", type=Path, required=True)
    ap.add_argument("--models", type=Path, required=True, help="folder with acoustic.onnx")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--kd-start", type=float, default=0.9)
    ap.add_argument("--kd-end", type=float, default=0.5)
    ap.add_argument("--limit", type=int, help="only the first N utterances (a quick try)")
    args = ap.parse_args(argv)
    utts = load_split(args.data, "train")[: args.limit]
    acoustic = AcousticModel.load(args.models / "acoustic.onnx")
    valid = set(valid_speakers())
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    train_ex = examples([u for u in utts if u.speaker not in valid], args.teacher, acoustic, SPEEDS)
    valid_ex = examples([u for u in utts if u.speaker in valid], args.teacher, acoustic, (1.0,))
    net = train(train_ex, args.out, args.epochs, args.kd_start, args.kd_end)
    agree = agreement(net, valid_ex)
    settings = {"student": STUDENT.to_dict(), "teacher": "whisper-base encoder + phone model",
                "epochs": args.epochs, "kd_weight": [args.kd_start, args.kd_end],
                "speeds": SPEEDS}  # fmt: skip
    export_acoustic(
        net,
        args.out / "acoustic.onnx",
        acoustic.features,
        {
            "version": f"whisperkd-{time.strftime('%Y%m%d')}",
            "variant": "whisper_kd",
            "training_data": "speechocean762 train (CC BY 4.0) minus validation speakers, "
            "soft labels from Whisper base (MIT)",
            "data_hash": file_hash(labels_path(args.data, "train")),
            "settings": json.dumps(settings),
            "validation": json.dumps({"teacher_agreement": agree}),
        },
    )
    print(f"student: teacher agreement on validation frames {agree:.3f} "
          f"({time.time() - t0:.0f} s) -> {args.out / 'acoustic.onnx'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
