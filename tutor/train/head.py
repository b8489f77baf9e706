"""The scoring head: GOP features of an utterance -> phone, word and sentence scores.

A small transformer over the utterance's phones (after GOPT): each phone sees its
neighbours and the whole utterance, words pool their phones, the sentence pools all.
Trained on speechocean762's expert labels; exported with its input normalisation inside.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from tutor.scoring.alignment import force_align
from tutor.scoring.gop import PHONE_FEATURES, UTTERANCE_FEATURES, gop_features
from tutor.scoring.head_inputs import word_membership
from tutor.scoring.model import HEAD_CONTRACT
from tutor.scoring.phones import PHONE_SET
from tutor.scoring.speechocean import LabelledUtterance

from .export import legacy_exporter, set_metadata


@dataclass
class HeadSample:
    utt_id: str
    phone_features: np.ndarray
    phone_ids: np.ndarray
    word_ids: np.ndarray
    utterance_features: np.ndarray
    phone_labels: np.ndarray  # (N,) 0..2
    word_labels: np.ndarray  # (W, 3) 0..10
    utterance_labels: np.ndarray  # (5,) 0..10


def make_sample(utt: LabelledUtterance, log_post: np.ndarray, frame_shift: float) -> HeadSample:
    ali = force_align(log_post, [[w.phones] for w in utt.words])
    gop = gop_features(log_post, ali, frame_shift)
    return HeadSample(
        utt.utt_id,
        gop.phone_features,
        gop.phone_ids,
        gop.word_ids,
        gop.utterance_features,
        np.array([s for w in utt.words for s in w.phone_scores], dtype=np.float32),
        np.array([[w.accuracy, w.stress, w.total] for w in utt.words], dtype=np.float32),
        np.array(
            [utt.accuracy, utt.fluency, utt.prosodic, utt.completeness, utt.total], dtype=np.float32
        ),
    )


class AttentionBlock(nn.Module):
    """Pre-norm transformer block written out so that ONNX export keeps the phone axis
    dynamic (``nn.MultiheadAttention`` bakes the traced length into reshapes)."""

    def __init__(self, d: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads, self.dh = heads, d // heads
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Linear(2 * d, d))
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, pad_mask: torch.Tensor | None = None) -> torch.Tensor:
        b = x.shape[0]
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q, k, v = (t.reshape(b, -1, self.heads, self.dh).transpose(1, 2) for t in (q, k, v))
        att = q @ k.transpose(-1, -2) / self.dh**0.5
        if pad_mask is not None:
            att = att.masked_fill(pad_mask[:, None, None, :], -1e9)
        mixed = (
            (torch.softmax(att, dim=-1) @ v).transpose(1, 2).reshape(b, -1, self.heads * self.dh)
        )
        x = x + self.drop(self.proj(mixed))
        return x + self.drop(self.ff(self.norm2(x)))


class ScoringHeadNet(nn.Module):
    def __init__(
        self,
        stats: dict[str, np.ndarray],
        d: int = 64,
        layers: int = 2,
        heads: int = 4,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        for name, value in stats.items():
            self.register_buffer(name, torch.as_tensor(value, dtype=torch.float32))
        n_feat, n_utt = len(PHONE_FEATURES), len(UTTERANCE_FEATURES)
        self.inp = nn.Linear(n_feat, d)
        self.phone_emb = nn.Embedding(len(PHONE_SET), d)
        self.blocks = nn.ModuleList(AttentionBlock(d, heads, dropout) for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.phone_out = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 1))
        self.word_out = nn.Sequential(nn.Linear(2 * d, d), nn.ReLU(), nn.Linear(d, 3))
        self.utt_out = nn.Sequential(nn.Linear(d + n_utt, d), nn.ReLU(), nn.Linear(d, 5))

    def forward(
        self,
        phone_features,
        phone_ids,
        word_membership,
        utterance_features,
        pad_mask: torch.Tensor | None = None,
    ):
        x = (phone_features - self.feat_mean) / self.feat_std
        h = self.inp(x) + self.phone_emb(phone_ids)
        for block in self.blocks:
            h = block(h, pad_mask)
        h = self.norm(h)
        phone = 2.0 * torch.sigmoid(self.phone_out(h).squeeze(-1))
        phone_pooled = word_membership @ h
        word_min = word_membership @ phone.unsqueeze(-1)  # mean phone score of the word
        word = 10.0 * torch.sigmoid(
            self.word_out(torch.cat([phone_pooled, word_min.expand_as(phone_pooled)], -1))
        )
        if pad_mask is None:
            pooled = h.mean(dim=1)
        else:
            keep = (~pad_mask).unsqueeze(-1).float()
            pooled = (h * keep).sum(1) / keep.sum(1).clamp(min=1)
        u = (utterance_features - self.utt_mean) / self.utt_std
        utt = 10.0 * torch.sigmoid(self.utt_out(torch.cat([pooled, u], -1)))
        return phone, word, utt


def feature_stats(samples: Sequence[HeadSample]) -> dict[str, np.ndarray]:
    pf = np.concatenate([s.phone_features for s in samples])
    uf = np.stack([s.utterance_features for s in samples])
    return {
        "feat_mean": pf.mean(0),
        "feat_std": pf.std(0) + 1e-3,
        "utt_mean": uf.mean(0),
        "utt_std": uf.std(0) + 1e-3,
    }


def _batch(samples: Sequence[HeadSample]):
    b = len(samples)
    n = max(len(s.phone_ids) for s in samples)
    w = max(len(s.word_labels) for s in samples)
    pf = np.zeros((b, n, len(PHONE_FEATURES)), np.float32)
    ids = np.zeros((b, n), np.int64)
    memb = np.zeros((b, w, n), np.float32)
    uf = np.stack([s.utterance_features for s in samples])
    mask = np.ones((b, n), bool)
    pl = np.full((b, n), np.nan, np.float32)
    wl = np.full((b, w, 3), np.nan, np.float32)
    ul = np.stack([s.utterance_labels for s in samples])
    for k, s in enumerate(samples):
        m = len(s.phone_ids)
        pf[k, :m], ids[k, :m], mask[k, :m], pl[k, :m] = (
            s.phone_features,
            s.phone_ids,
            False,
            s.phone_labels,
        )
        nw = len(s.word_labels)
        memb[k, :nw, :m] = word_membership(s.word_ids, nw)
        wl[k, :nw] = s.word_labels
    t = torch.from_numpy
    return t(pf), t(ids), t(memb), t(uf), t(mask), t(pl), t(wl), t(ul)


def _masked_mse(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    ok = ~torch.isnan(target)
    if not ok.any():  # e.g. a batch of perturbed copies, which have no sentence labels
        return pred.sum() * 0.0
    return F.mse_loss(pred[ok], target[ok])


@dataclass
class HeadSettings:
    """One fixed recipe: no epoch is picked by looking at validation scores.

    The head overfits within a few epochs (the corpus repeats its sentences), so it trains
    briefly under a one-cycle learning rate; ``members`` heads from different seeds are
    averaged, which steadies the seed-to-seed spread (about 0.02 phone PCC).
    """

    epochs: int = 6
    lr: float = 1e-3
    batch: int = 32
    seed: int = 0
    d: int = 64
    members: int = 5


class HeadEnsemble(nn.Module):
    """The mean of several heads' outputs: one ONNX graph with the single head's contract."""

    def __init__(self, members: Sequence[ScoringHeadNet]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, phone_features, phone_ids, word_membership, utterance_features,
                pad_mask: torch.Tensor | None = None):  # fmt: skip
        outs = [
            m(phone_features, phone_ids, word_membership, utterance_features, pad_mask)
            for m in self.members
        ]
        return tuple(torch.stack(parts).mean(0) for parts in zip(*outs, strict=True))


def _train_member(
    train: Sequence[HeadSample], stats: dict[str, np.ndarray], settings: HeadSettings, seed: int
) -> ScoringHeadNet:
    torch.manual_seed(seed)
    rng = random.Random(seed)
    net = ScoringHeadNet(stats, d=settings.d)
    opt = torch.optim.AdamW(net.parameters(), lr=settings.lr, weight_decay=1e-2)
    steps = settings.epochs * -(-len(train) // settings.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=settings.lr, total_steps=steps, pct_start=0.1
    )
    order = list(range(len(train)))
    for _ in range(settings.epochs):
        net.train()
        rng.shuffle(order)
        for k in range(0, len(order), settings.batch):
            pf, ids, memb, uf, mask, pl, wl, ul = _batch(
                [train[i] for i in order[k : k + settings.batch]]
            )
            phone, word, utt = net(pf, ids, memb, uf, mask)
            loss = (
                _masked_mse(phone, pl)
                + _masked_mse(word / 5, wl / 5)
                + _masked_mse(utt / 5, ul / 5)
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
    return net.eval()


def train_head(
    train: Sequence[HeadSample],
    valid: Sequence[HeadSample],
    settings: HeadSettings,
    log: Callable[[str], None] = print,
) -> tuple[HeadEnsemble, dict[str, float]]:
    """Train ``settings.members`` heads with the fixed recipe; ``valid`` is only measured."""
    stats = feature_stats(train)
    members = []
    for k in range(settings.members):
        members.append(_train_member(train, stats, settings, settings.seed + k))
        if valid:
            m = evaluate_head(members[-1], valid)
            log(f"head member {k + 1}/{settings.members}: " + _fmt(m))
    ensemble = HeadEnsemble(members).eval()
    metrics = evaluate_head(ensemble, valid) if valid else {}
    if metrics:
        log("head ensemble: " + _fmt(metrics))
    return ensemble, metrics


def _fmt(metrics: dict[str, float]) -> str:
    return " ".join(f"{k} {v:.3f}" for k, v in metrics.items())


def pcc(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2 or np.std(a) == 0 or np.std(b) == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


@torch.no_grad()
def predict(net: nn.Module, samples: Sequence[HeadSample]):
    net.eval()
    out = []
    for s in samples:
        pf, ids, memb, uf, _, _, _, _ = _batch([s])
        phone, word, utt = net(pf, ids, memb, uf)
        out.append((phone[0].numpy(), word[0].numpy(), utt[0].numpy()))
    return out


def evaluate_head(net: nn.Module, samples: Sequence[HeadSample]) -> dict[str, float]:
    preds = predict(net, samples)
    p = np.concatenate([x[0] for x in preds])
    pl = np.concatenate([s.phone_labels for s in samples])
    w = np.concatenate([x[1] for x in preds])
    wl = np.concatenate([s.word_labels for s in samples])
    u = np.stack([x[2] for x in preds])
    ul = np.stack([s.utterance_labels for s in samples])
    return {
        "phone_pcc": pcc(p, pl),
        "phone_mse": float(np.mean((p - pl) ** 2)),
        "word_acc_pcc": pcc(w[:, 0], wl[:, 0]),
        "word_total_pcc": pcc(w[:, 2], wl[:, 2]),
        "utt_acc_pcc": pcc(u[:, 0], ul[:, 0]),
        "utt_total_pcc": pcc(u[:, 4], ul[:, 4]),
        "utt_fluency_pcc": pcc(u[:, 1], ul[:, 1]),
    }


def export_head(net: nn.Module, path: Path, metadata: dict[str, object]) -> Path:
    net.eval()
    n, w = 12, 3
    dummy = (
        torch.zeros(1, n, len(PHONE_FEATURES)),
        torch.zeros(1, n, dtype=torch.int64),
        torch.zeros(1, w, n),
        torch.zeros(1, len(UTTERANCE_FEATURES)),
    )
    with legacy_exporter():
        torch.onnx.export(
            net,
            dummy,
            str(path),
            input_names=["phone_features", "phone_ids", "word_membership", "utterance_features"],
            output_names=["phone_score", "word_scores", "utterance_scores"],
            dynamic_axes={
                "phone_features": {1: "phones"},
                "phone_ids": {1: "phones"},
                "word_membership": {1: "words", 2: "phones"},
                "phone_score": {1: "phones"},
                "word_scores": {1: "words"},
            },
            opset_version=17,
            dynamo=False,
        )
    set_metadata(
        path,
        {
            "contract": HEAD_CONTRACT,
            "phone_features": list(PHONE_FEATURES),
            "utterance_features": list(UTTERANCE_FEATURES),
            **metadata,
        },
    )
    return path
