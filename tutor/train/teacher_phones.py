"""The teacher's phone model: Whisper encoder frames -> log posteriors over the phone set.

A small network (each 20 ms Whisper frame with two neighbours each side -> phone) trained
on the training speakers' frames, labelled by forced alignment of the canonical phones
with the shipped acoustic model (the same 20 ms frame rate). Its posteriors feed the same
GOP features and head as the app's model, so the teacher's figures are measured the same
way, and they are the soft targets for distilling the student.

    python -m tutor.train.teacher_phones --data ../shared/data/speechocean762 \\
        --teacher runs/teacher --models assets/models
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import torch
from torch import nn

from tutor.atomic import write_with
from tutor.scoring.audio import load_audio
from tutor.scoring.features import frame_features
from tutor.scoring.model import AcousticModel
from tutor.scoring.phones import PHONE_INDEX, PHONE_SET, SILENCE
from tutor.scoring.speechocean import LabelledUtterance, load_split

from .dataset import rated_alignment, speaker_fold, valid_speakers
from .whisper_teacher import Take

CONTEXT = 2  # frames each side
IGNORED = -100  # a frame label the loss skips (nll_loss's ignore_index)
FOLDS_DIR = "phones_folds"
OPTIONS_FILE = "phones.json"  # how the phone models' labels were made
DIM = 512


class TeacherPhoneNet(nn.Module):
    def __init__(self, hidden: int = 512) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(DIM, hidden, 2 * CONTEXT + 1, padding=CONTEXT), nn.GELU(), nn.Dropout(0.1),
            nn.Conv1d(hidden, hidden, 3, padding=1), nn.GELU(), nn.Dropout(0.1),
            nn.Conv1d(hidden, len(PHONE_SET), 1),
        )  # fmt: skip

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """(B, T, 512) -> (B, T, n_phones) log posteriors."""
        return torch.log_softmax(self.conv(frames.transpose(1, 2)).transpose(1, 2), dim=-1)

    def hidden(self, frames: torch.Tensor) -> torch.Tensor:
        """(B, T, 512) -> (B, T, hidden): the layer under the phone classifier, the
        teacher's phone-shaped view of each frame (feature distillation's target)."""
        return self.conv[:-1](frames.transpose(1, 2)).transpose(1, 2)


def aligned_labels(
    log_post: np.ndarray, utt: LabelledUtterance, trusted: float | None = None
) -> np.ndarray:
    """The phone index of every frame of ``log_post``, from the forced alignment of the
    utterance's canonical phones (silence elsewhere); ValueError if they do not fit.
    With ``trusted`` the frames of a phone the experts scored under it are ``IGNORED``:
    a learner who said S for TH left TH's label on an S, and a phone model that learns
    that label hears S as TH."""
    labels = np.full(len(log_post), PHONE_INDEX[SILENCE], np.int64)
    for p, score in rated_alignment(log_post, utt):
        wrong = trusted is not None and score < trusted
        labels[p.start : p.end] = IGNORED if wrong else PHONE_INDEX[p.phone]
    return labels


def aligned_phone_scores(log_post: np.ndarray, utt: LabelledUtterance) -> np.ndarray:
    """The experts' mean score (0-2) of the phone aligned to every frame of ``log_post``
    (2.0 on silence), from the same forced alignment as :func:`aligned_labels`."""
    scores = np.full(len(log_post), 2.0, np.float32)
    for p, score in rated_alignment(log_post, utt):
        scores[p.start : p.end] = score
    return scores


def frame_labels(
    utt: LabelledUtterance, acoustic: AcousticModel, trusted: float | None = None
) -> np.ndarray:
    log_post = acoustic.log_posteriors(
        frame_features(load_audio(utt.audio).samples, acoustic.features)
    )
    return aligned_labels(log_post, utt, trusted)


def load_pairs(
    utts: list[LabelledUtterance],
    teacher: Path,
    acoustic: AcousticModel,
    trusted: float | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    pairs = []
    for u in utts:
        path = teacher / "frames" / f"{u.utt_id}.npy"
        if not path.is_file():
            continue
        frames = np.load(path).astype(np.float32)
        labels = frame_labels(u, acoustic, trusted)
        n = min(len(frames), len(labels))
        pairs.append((frames[:n], labels[:n]))
    return pairs


def train(pairs: list[tuple[np.ndarray, np.ndarray]], epochs: int = 6, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = TeacherPhoneNet()
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-2)
    steps = epochs * -(-len(pairs) // 16)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-3, total_steps=steps)
    for epoch in range(epochs):
        net.train()
        order = rng.permutation(len(pairs))
        total = 0.0
        for k in range(0, len(order), 16):
            batch = [pairs[i] for i in order[k : k + 16]]
            t = max(len(f) for f, _ in batch)
            x = torch.zeros(len(batch), t, DIM)
            y = torch.full((len(batch), t), IGNORED, dtype=torch.long)
            for j, (f, lab) in enumerate(batch):
                x[j, : len(f)] = torch.from_numpy(f)
                y[j, : len(lab)] = torch.from_numpy(lab)
            loss = nn.functional.nll_loss(net(x).reshape(-1, len(PHONE_SET)), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach())
        print(f"teacher phones epoch {epoch + 1}/{epochs}: loss {total / -(-len(order) // 16):.3f}",
              file=sys.stderr, flush=True)  # fmt: skip
    return net.eval()


@torch.no_grad()
def log_posteriors(net: nn.Module, frames: np.ndarray) -> np.ndarray:
    return net(torch.from_numpy(frames.astype(np.float32))[None])[0].numpy()


def fold_models(teacher: Path) -> list[Path]:
    """The cross-fitted phone models (``--cross-fit N``), fold k's never trained on the
    training speakers of fold k; empty when there are none."""
    folder = teacher / FOLDS_DIR
    paths = sorted(folder.glob("fold*.pt")) if folder.is_dir() else []
    n = len(paths)
    return paths if paths == [folder / f"fold{k}of{n}.pt" for k in range(n)] else []


def trained_with(teacher: Path) -> dict:
    """The labelling options the cached phone models were trained with (``phones.json``;
    ``{"trusted": None}`` for a teacher from before the file existed)."""
    path = teacher / OPTIONS_FILE
    return json.loads(path.read_text()) if path.is_file() else {"trusted": None}


def teacher_digest(teacher: Path) -> str:
    """A digest of the teacher's phone models (empty before they are trained): the caches
    of targets they label are keyed by it, so a retrained teacher never reuses stale ones."""
    phones = teacher / "phones.pt"
    if not phones.is_file():
        return ""
    digest = hashlib.sha1(phones.read_bytes())
    for path in fold_models(teacher):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def trained_teacher(teacher: Path, weights: Path | None = None) -> TeacherPhoneNet:
    """The teacher's phone model from ``teacher / "phones.pt"`` (or ``weights``), ready to run."""
    net = TeacherPhoneNet()
    net.load_state_dict(torch.load(weights or teacher / "phones.pt", weights_only=True))
    return net.eval()


@torch.no_grad()
def teacher_posteriors(teacher: Path) -> Callable[[Take, float], np.ndarray | None]:
    """The trained teacher's log posteriors for an utterance (speed 1 only; ``None`` when
    its frames were not extracted). With cross-fitted phone models a training speaker is
    heard by the one that never trained on them, so the targets show how the teacher
    hears a new speaker, mispronunciations included, not the labels it has learnt."""
    net = trained_teacher(teacher)
    folds = [trained_teacher(teacher, path) for path in fold_models(teacher)]
    held_out = valid_speakers()

    def run(utt: Take, speed: float) -> np.ndarray | None:
        path = teacher / "frames" / f"{utt.utt_id}.npy"
        if speed != 1.0 or not path.is_file():
            return None
        speaker = getattr(utt, "speaker", None)
        if folds and speaker is not None and speaker not in held_out:
            return log_posteriors(folds[speaker_fold(speaker, len(folds))], np.load(path))
        return log_posteriors(net, np.load(path))

    return run


def teacher_hidden(teacher: Path) -> Callable[[str], np.ndarray | None]:
    """The trained teacher's hidden layer for an utterance id at speed 1 (``None`` when
    its frames were not extracted)."""
    net = trained_teacher(teacher)

    @torch.no_grad()
    def run(utt_id: str) -> np.ndarray | None:
        path = teacher / "frames" / f"{utt_id}.npy"
        if not path.is_file():
            return None
        frames = torch.from_numpy(np.load(path).astype(np.float32))[None]
        return net.hidden(frames)[0].numpy()

    return run


@torch.no_grad()
def frame_accuracy(net: nn.Module, pairs: list[tuple[np.ndarray, np.ndarray]]) -> float:
    hits = total = 0
    for f, lab in pairs:
        pred = log_posteriors(net, f).argmax(1)
        hits += int((pred == lab).sum())
        total += int((lab != IGNORED).sum())
    return hits / max(total, 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tutor.train.teacher_phones")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--teacher", type=Path, required=True, help="whisper_teacher's --out")
    ap.add_argument("--models", type=Path, required=True, help="folder with acoustic.onnx")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument(
        "--cross-fit",
        type=int,
        default=0,
        metavar="N",
        help="also train N fold models, each blind to a fold of the training speakers",
    )
    ap.add_argument(
        "--trusted",
        type=float,
        metavar="S",
        help="learn no label on the frames of phones the experts scored under S (what "
        "the learner said there is not the canonical phone); validation accuracy is then "
        "measured on the trusted frames too",
    )
    args = ap.parse_args(argv)
    cached = args.teacher / "phones.pt"
    if cached.is_file() and trained_with(args.teacher) != {"trusted": args.trusted}:
        ap.error(f"{cached} was trained with {trained_with(args.teacher)}: use another --teacher "
                 "folder (its frames can be a link) rather than mix two labellings")  # fmt: skip
    utts = load_split(args.data, "train")
    acoustic = AcousticModel.load(args.models / "acoustic.onnx")
    valid = set(valid_speakers())
    t0 = time.time()
    train_utts = [u for u in utts if u.speaker not in valid and _has_frames(args.teacher, u)]
    train_pairs = load_pairs(train_utts, args.teacher, acoustic, args.trusted)
    if not (args.teacher / "phones.pt").is_file() or not args.cross_fit:
        valid_pairs = load_pairs([u for u in utts if u.speaker in valid], args.teacher,
                                 acoustic, args.trusted)  # fmt: skip
        net = train(train_pairs, args.epochs)
        torch.save(net.state_dict(), args.teacher / "phones.pt")
        (args.teacher / OPTIONS_FILE).write_text(json.dumps({"trusted": args.trusted}) + "\n")
        acc = frame_accuracy(net, valid_pairs)
        print(
            f"teacher phone model: {len(train_pairs)} training utterances, validation frame "
            f"accuracy {acc:.3f} ({time.time() - t0:.0f} s) -> {args.teacher / 'phones.pt'}"
        )
    if args.cross_fit:
        train_folds(args.teacher, train_utts, train_pairs, args.cross_fit, args.epochs)
    return 0


def train_folds(
    teacher: Path,
    utts: list[LabelledUtterance],
    pairs: list[tuple[np.ndarray, np.ndarray]],
    folds: int,
    epochs: int,
) -> None:
    """Fold k's phone model learns every training speaker outside fold k (resumable: a
    fold already on disk is kept); prints its frame accuracy on the fold it never heard.
    ``pairs`` are ``utts``' frames and labels, one for one."""
    (teacher / FOLDS_DIR).mkdir(exist_ok=True)
    fold_of = [speaker_fold(u.speaker, folds) for u in utts]
    for k in range(folds):
        path = teacher / FOLDS_DIR / f"fold{k}of{folds}.pt"
        if path.is_file():
            continue
        net = train([p for p, f in zip(pairs, fold_of, strict=True) if f != k], epochs, seed=k + 1)
        write_with(path, partial(torch.save, net.state_dict()))
        acc = frame_accuracy(net, [p for p, f in zip(pairs, fold_of, strict=True) if f == k])
        print(f"teacher fold {k}/{folds}: frame accuracy on its unheard speakers {acc:.3f}")


def _has_frames(teacher: Path, utt: LabelledUtterance) -> bool:
    return (teacher / "frames" / f"{utt.utt_id}.npy").is_file()


if __name__ == "__main__":
    raise SystemExit(main())
