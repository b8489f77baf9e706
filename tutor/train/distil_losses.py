"""The distillation's losses: soft targets and hard labels, the softened (tempered) soft
targets, the confusion and swap hinges, the frame- and phone-level margin copies and the
feature regression (:mod:`tutor.train.distil_whisper` combines them; each is explained there)."""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

from tutor.scoring.confusions import confusable
from tutor.scoring.phones import PHONE_INDEX, PHONE_SET

CONFUSION_MARGIN = 2.0  # nats
SWAP_MARGIN = 4.0  # nats: above the engine's confusion line (2.8-2.9 for the 12-epoch students)
MARGIN_CAP = 8.0  # nats: teacher margins past this are all "sure" (the line is about 3)


@functools.cache
def confusion_mask() -> torch.Tensor:
    """(classes, classes): True where the column's phone is confusable with the row's (made
    once and shared by every training step: read it, do not write to it)."""
    mask = torch.zeros(len(PHONE_SET), len(PHONE_SET), dtype=torch.bool)
    for i, p in enumerate(PHONE_SET):
        for c in confusable(p):
            mask[i, PHONE_INDEX[c]] = True
    return mask


def confusion_hinge(
    logp: torch.Tensor,
    soft: torch.Tensor,
    hard: torch.Tensor,
    where: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean hinge ``relu(margin - (log p[label] - max log p[confusable]))`` over the frames
    whose label has confusable sounds and is the teacher's top phone, or, given ``where``,
    over those frames of ``where`` (frames whose label is known to be what was said)."""
    mask = confusion_mask()
    ok = (hard >= 0) & ((soft.argmax(-1) == hard) if where is None else where)
    label = hard.clamp(min=0)
    rivals = mask[label]  # (batch, frames, classes)
    ok &= rivals.any(-1)
    if not bool(ok.any()):
        return logp.sum() * 0.0
    own = logp.gather(-1, label.unsqueeze(-1)).squeeze(-1)
    best = logp.masked_fill(~rivals, float("-inf")).max(-1).values
    gap = torch.relu(CONFUSION_MARGIN - (own - best))
    return gap[ok].mean()


def swap_contrast(logp: torch.Tensor, rival: torch.Tensor, hard: torch.Tensor) -> torch.Tensor:
    """Mean hinge ``relu(SWAP_MARGIN - (log p[said] - log p[prompt's]))`` over the frames of
    swapped phones (``rival >= 0``, the said phone's label in ``hard``)."""
    ok = (rival >= 0) & (hard >= 0)
    if not bool(ok.any()):
        return logp.sum() * 0.0
    said = logp.gather(-1, hard.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    prompt = logp.gather(-1, rival.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return torch.relu(SWAP_MARGIN - (said - prompt))[ok].mean()


def margin_distil(logp: torch.Tensor, soft: torch.Tensor, hard: torch.Tensor) -> torch.Tensor:
    """Smooth-L1 distance between the student's and the teacher's log-odds of the teacher's
    top phone over each sound confusable with it, on the labelled frames (``hard >= 0``).

    These margins are what the engine reads against its confusion line; the KL at T = 1
    weighs them by the rival's tiny probability, so it barely teaches them. Teacher margins
    over :data:`MARGIN_CAP` only ask the student to reach the cap, not to come back to it."""
    mask = confusion_mask()
    top = soft.argmax(-1)
    rivals = mask[top] & (hard >= 0).unsqueeze(-1)  # (batch, frames, classes)
    if not bool(rivals.any()):
        return logp.sum() * 0.0
    log_soft = torch.log(soft.float().clamp(min=1e-30))
    student = logp.gather(-1, top.unsqueeze(-1)) - logp
    teacher = (log_soft.gather(-1, top.unsqueeze(-1)) - log_soft).clamp(max=MARGIN_CAP)
    gap = student - teacher
    gap = torch.where(teacher >= MARGIN_CAP, gap.clamp(max=0.0), gap)
    return F.smooth_l1_loss(gap[rivals], torch.zeros_like(gap[rivals]))


def phone_segments(hard: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each frame's aligned segment (a run of one label inside a row; -1 on unlabelled
    frames) and each segment's label: the spans the engine pools a phone's margins over."""
    rows, frames = hard.shape
    starts = torch.ones_like(hard, dtype=torch.bool)
    starts[:, 1:] = hard[:, 1:] != hard[:, :-1]
    ids = torch.cumsum(starts.reshape(-1), 0).reshape(rows, frames) - 1
    labels = torch.full((int(starts.sum()),), -1, dtype=hard.dtype)
    labels[ids[starts]] = hard[starts]
    return torch.where(hard >= 0, ids, torch.full_like(ids, -1)), labels


def phone_margin_distil(
    logp: torch.Tensor, soft: torch.Tensor, hard: torch.Tensor, floor: bool = False
) -> torch.Tensor:
    """Smooth-L1 distance between the student's and the teacher's log-odds of each aligned
    phone over each sound confusable with it, both averaged over the phone's frames.

    This is the margin the engine reads (a prompt's phone against the sound heard on its
    frames), pooled as the engine pools it; the frame-level :func:`margin_distil` copied the
    teacher's doubt on single frames too, which the student turned into doubt on correct
    phones. Each teacher frame's log-odds are capped at :data:`MARGIN_CAP` either way; a
    phone whose frames are all at the cap only asks the student to reach it.

    With ``floor`` the teacher's margins are only a floor: a student that hears a phone more
    clearly than the teacher costs nothing, so the teacher's doubt is never copied."""
    seg, labels = phone_segments(hard)
    mask = confusion_mask()
    keep = labels >= 0
    rivals = (mask | mask.T)[labels.clamp(min=0)] & keep.unsqueeze(-1)  # (segments, classes)
    if not bool(rivals.any()):
        return logp.sum() * 0.0
    on = seg >= 0
    idx = seg[on]
    label = labels[idx].unsqueeze(-1)  # each labelled frame's phone (idx: labelled runs only)
    log_soft = torch.log(soft[on].float().clamp(min=1e-30))
    student = logp[on].gather(-1, label) - logp[on]
    teacher = (log_soft.gather(-1, label) - log_soft).clamp(-MARGIN_CAP, MARGIN_CAP)
    count = logp.new_zeros(len(labels)).index_add_(0, idx, logp.new_ones(len(idx))).clamp(min=1)
    pooled_s = logp.new_zeros(len(labels), logp.shape[-1]).index_add_(0, idx, student)
    pooled_t = logp.new_zeros(len(labels), logp.shape[-1]).index_add_(0, idx, teacher.to(logp))
    pooled_s, pooled_t = pooled_s / count[:, None], pooled_t / count[:, None]
    gap = pooled_s - pooled_t
    sure = MARGIN_CAP - 1e-4  # every frame at the cap
    gap = torch.where(pooled_t >= sure, gap.clamp(max=0.0), gap)
    gap = torch.where(pooled_t <= -sure, gap.clamp(min=0.0), gap)
    if floor:
        gap = gap.clamp(max=0.0)
    return F.smooth_l1_loss(gap[rivals], torch.zeros_like(gap[rivals]))


def feature_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """DistilHuBERT's loss on the frames in ``mask``: L1 distance minus log sigmoid of the
    cosine similarity between the student's projection and the teacher's hidden layer."""
    if not bool(mask.any()):
        return pred.sum() * 0.0
    p, t = pred[mask], target[mask]
    l1 = (p - t).abs().mean()
    return l1 - F.logsigmoid(F.cosine_similarity(p, t, dim=-1)).mean()


def kd_and_ce(
    logp: torch.Tensor,
    soft: torch.Tensor,
    hard: torch.Tensor,
    ce_labels: torch.Tensor,
    weights: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Soft-target cross-entropy over the labelled frames (``hard >= 0``), and the hard-label
    loss on ``ce_labels`` (-100 where a label must not teach); ``weights`` per frame."""
    mask = (hard >= 0).float() * (1.0 if weights is None else weights)
    kd = ((-(soft * logp).sum(-1)) * mask).sum() / mask.sum()
    if weights is None:
        return kd, F.nll_loss(logp.reshape(-1, len(PHONE_SET)), ce_labels.reshape(-1))
    per_frame = F.nll_loss(logp.transpose(1, 2), ce_labels, reduction="none")
    teach = (ce_labels >= 0).float() * weights
    return kd, (per_frame * teach).sum() / teach.sum().clamp(min=1e-8)


def tempered_kd(
    logits: torch.Tensor,
    soft: torch.Tensor,
    hard: torch.Tensor,
    corpus: torch.Tensor,
    temperature: float,
    weights: torch.Tensor | None = None,
) -> torch.Tensor:
    """:func:`kd_and_ce`'s soft-target term with the corpus takes' targets and the student's
    logits both softened by ``temperature`` (Hinton's distillation, times T squared so the
    gradients keep their scale): the teacher's odds between unlikely sounds, which is what a
    confusable sound's margin reads, count more than at T = 1. The synthetic takes
    (``corpus`` False per row) keep T = 1: their targets may be the phones they were told to
    say, which softening would blur."""
    mask = (hard >= 0).float() * (1.0 if weights is None else weights)
    plain = -(soft * torch.log_softmax(logits, -1)).sum(-1)
    target = torch.softmax(torch.log(soft.clamp(min=1e-30)) / temperature, -1)
    softened = -(target * torch.log_softmax(logits / temperature, -1)).sum(-1)
    per_frame = torch.where(corpus[:, None], softened * temperature**2, plain)
    return (per_frame * mask).sum() / mask.sum()
