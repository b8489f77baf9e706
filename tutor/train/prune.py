"""Unstructured L1-magnitude pruning of Conv/Linear weights, one-shot or gradual.

Pruning goes through :mod:`torch.nn.utils.prune`: a pruned layer keeps ``weight_orig`` (the
trainable parameter) and a ``weight_mask`` buffer, and a forward pre-hook recomputes
``weight = weight_orig * weight_mask`` before every forward pass. So the masks stay applied
while fine-tuning (masked entries get zero gradient and never reach the output), and
:func:`make_permanent` folds them in before ONNX export.

Masks only grow: pruning again to a higher sparsity prunes the smallest *surviving* weights,
which is what gradual pruning (:class:`GradualPruner`, :func:`sparsity_at`) needs.
"""

from __future__ import annotations

import copy
import fnmatch
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

import torch
from torch import nn
from torch.nn.utils import prune

#: Layer types whose ``weight`` is pruned and clustered.
WEIGHT_LAYERS: tuple[type[nn.Module], ...] = (nn.Conv1d, nn.Conv2d, nn.Linear)

V = TypeVar("V")


def weight_layers(model: nn.Module, skip: Iterable[str] = ()) -> dict[str, nn.Module]:
    """Conv/Linear layers of ``model`` by qualified name, minus those matching a ``skip``
    pattern (:mod:`fnmatch` style, e.g. ``"out"`` or ``"blocks.*.depthwise"``)."""
    patterns = [skip] if isinstance(skip, str) else list(skip)
    return {
        name: module
        for name, module in model.named_modules()
        if isinstance(module, WEIGHT_LAYERS)
        and not any(fnmatch.fnmatchcase(name, p) for p in patterns)
    }


def per_layer(
    layers: Mapping[str, nn.Module], value: V | Mapping[str, V], what: str
) -> dict[str, V]:
    """Expand ``value`` to one value per layer.

    A single value applies to every layer. A mapping's keys are layer names or fnmatch
    patterns; an exact name wins over a pattern, then the first matching pattern wins, and
    layers matched by no key are left out. A key matching no layer is an error (a typo would
    otherwise silently leave a layer uncompressed).
    """
    if not isinstance(value, Mapping):
        return dict.fromkeys(layers, value)
    out: dict[str, V] = {}
    for key in value:
        if key not in layers and not any(fnmatch.fnmatchcase(n, key) for n in layers):
            known = ", ".join(layers) or "none"
            raise ValueError(f"{what}: {key!r} matches no prunable layer (layers: {known})")
    for name in layers:
        if name in value:
            out[name] = value[name]
            continue
        for key, v in value.items():
            if fnmatch.fnmatchcase(name, key):
                out[name] = v
                break
    return out


def is_pruned(module: nn.Module) -> bool:
    return hasattr(module, "weight_orig") and hasattr(module, "weight_mask")


def tensor(module: nn.Module, name: str) -> torch.Tensor:
    """``module.<name>`` (``weight``, ``weight_orig``, ``weight_mask``) as a tensor."""
    value = getattr(module, name)
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{type(module).__name__}.{name} is not a tensor")
    return value


def effective_weight(module: nn.Module) -> torch.Tensor:
    """The weight the next forward pass will use (the mask applied), detached."""
    if is_pruned(module):
        return (tensor(module, "weight_orig") * tensor(module, "weight_mask")).detach()
    return tensor(module, "weight").detach()


def _check_sparsity(name: str, s: float) -> float:
    s = float(s)
    if not 0.0 <= s < 1.0:
        raise ValueError(f"sparsity for {name!r} must be in [0, 1), got {s}")
    return s


def prune_magnitude(
    model: nn.Module, sparsity: float | Mapping[str, float], *, skip: Iterable[str] = ()
) -> dict[str, float]:
    """Prune each Conv/Linear weight to the requested fraction of zeros, smallest |w| first.

    ``sparsity`` is one fraction for all layers or a mapping of layer names/patterns to
    fractions (see :func:`per_layer`). Already-pruned layers keep their mask and lose further
    weights only if the target is above their current sparsity. Returns the achieved sparsity
    (fraction of exact zeros in the effective weight) of every layer touched.
    """
    layers = weight_layers(model, skip)
    targets = per_layer(layers, sparsity, "sparsity")
    achieved: dict[str, float] = {}
    for name, s in targets.items():
        module = layers[name]
        n = tensor(module, "weight").numel()
        wanted = round(_check_sparsity(name, s) * n)
        if is_pruned(module):
            already = int((tensor(module, "weight_mask") == 0).sum())
            if wanted > already:
                # a PruningContainer applies an int amount to the still-unpruned entries
                prune.l1_unstructured(module, "weight", amount=wanted - already)
        else:
            prune.l1_unstructured(module, "weight", amount=wanted)
        achieved[name] = float((effective_weight(module) == 0).sum()) / n
    return achieved


def make_permanent(model: nn.Module) -> list[str]:
    """Fold every pruning mask into its parameter and drop the hooks (before export).

    Returns the names of the layers that were reparametrised.
    """
    done = []
    for name, module in model.named_modules():
        hooks = [
            h for h in module._forward_pre_hooks.values() if isinstance(h, prune.BasePruningMethod)
        ]
        for hook in hooks:
            prune.remove(module, hook._tensor_name)
            done.append(name)
    return done


def layer_sparsity(model: nn.Module, *, skip: Iterable[str] = ()) -> dict[str, float]:
    """Fraction of exact zeros in each Conv/Linear weight (pruned or not)."""
    return {
        name: float((effective_weight(m) == 0).sum()) / tensor(m, "weight").numel()
        for name, m in weight_layers(model, skip).items()
    }


def overall_sparsity(model: nn.Module, *, skip: Iterable[str] = ()) -> float:
    """Fraction of exact zeros over all Conv/Linear weights together."""
    layers = weight_layers(model, skip).values()
    total = sum(tensor(m, "weight").numel() for m in layers)
    zeros = sum(int((effective_weight(m) == 0).sum()) for m in layers)
    return zeros / total if total else 0.0


# ---- schedules ---------------------------------------------------------------------------


def _progress(step: int, total: int, start: int) -> float:
    if total <= 0:
        raise ValueError(f"total steps must be positive, got {total}")
    return min(max((step - start) / total, 0.0), 1.0)


def sparsity_at(
    step: int, total: int, final: float, *, initial: float = 0.0, start: int = 0
) -> float:
    """Cubic schedule of Zhu & Gupta (2017), "To prune, or not to prune".

    Sparsity rises from ``initial`` at ``start`` to ``final`` at ``start + total`` and stays
    there: fast at first, while many redundant weights remain, then slowly so the network can
    recover. ``s(t) = final + (initial - final) * (1 - (t - start) / total) ** 3``.
    """
    _check_sparsity("initial", initial)
    _check_sparsity("final", final)
    p = _progress(step, total, start)
    return final + (initial - final) * (1.0 - p) ** 3


class GradualPruner:
    """Raise layer sparsities along :func:`sparsity_at` while fine-tuning.

    Call :meth:`step` once after every ``optimizer.step()``; every ``every`` steps (and at the
    last step) it prunes each layer to its scheduled sparsity. Masks are applied from the
    first call, so pruned weights stay at zero in between::

        pruner = GradualPruner(model, {"blocks.*": 0.8, "out": 0.5}, total_steps=2000)
        for batch in loader:
            loss(model(batch)).backward(); opt.step(); opt.zero_grad()
            pruner.step()
        make_permanent(model)
    """

    def __init__(
        self,
        model: nn.Module,
        final: float | Mapping[str, float],
        total_steps: int,
        *,
        start_step: int = 0,
        every: int = 100,
        skip: Iterable[str] = (),
    ) -> None:
        if every <= 0:
            raise ValueError(f"every must be a positive number of steps, got {every}")
        self.model = model
        self.final = {
            n: _check_sparsity(n, s)
            for n, s in per_layer(weight_layers(model, skip), final, "sparsity").items()
        }
        self.total = total_steps
        self.start = start_step
        self.every = every
        self.steps = 0
        _progress(0, total_steps, start_step)  # validates total_steps
        self.current = prune_magnitude(model, dict.fromkeys(self.final, 0.0))

    @property
    def end_step(self) -> int:
        return self.start + self.total

    def targets(self, step: int) -> dict[str, float]:
        """Each layer's scheduled sparsity at ``step``."""
        return {
            n: sparsity_at(step, self.total, s, start=self.start) for n, s in self.final.items()
        }

    def step(self) -> dict[str, float] | None:
        """Advance one step; return the achieved sparsities when the masks were updated."""
        self.steps += 1
        t = self.steps
        due = t >= self.start and ((t - self.start) % self.every == 0 or t == self.end_step)
        if not due or t > self.end_step:
            return None
        self.current = prune_magnitude(self.model, self.targets(t))
        return self.current


# ---- choosing per-layer sparsity -----------------------------------------------------------


def global_magnitude_sparsity(
    model: nn.Module, target: float, *, skip: Iterable[str] = (), max_layer: float = 0.95
) -> dict[str, float]:
    """Per-layer sparsities from one global |w| threshold that removes ``target`` of all
    weights, each layer capped at ``max_layer`` (so no layer is cut off entirely; the cap
    makes the overall sparsity come out a little below ``target`` when it bites).

    Layers whose weights are small pruned harder; pass the result to :func:`prune_magnitude`.
    """
    _check_sparsity("target", target)
    layers = weight_layers(model, skip)
    if not layers:
        return {}
    mags = torch.cat([effective_weight(m).abs().flatten() for m in layers.values()])
    count = round(target * mags.numel())
    if count == 0:
        return dict.fromkeys(layers, 0.0)
    threshold = torch.kthvalue(mags, count).values
    return {
        name: min(float((effective_weight(m).abs() <= threshold).float().mean()), max_layer)
        for name, m in layers.items()
    }


def layer_sensitivity(
    model: nn.Module,
    evaluate: Callable[[nn.Module], float],
    sparsities: Iterable[float] = (0.3, 0.5, 0.7, 0.85, 0.95),
    *,
    skip: Iterable[str] = (),
) -> dict[str, dict[float, float]]:
    """``evaluate`` (e.g. validation frame accuracy) of copies of ``model`` with one layer
    pruned at a time, for each sparsity. ``model`` itself is left untouched."""
    levels = [_check_sparsity("sensitivity level", s) for s in sparsities]
    result: dict[str, dict[float, float]] = {}
    for name in weight_layers(model, skip):
        result[name] = {}
        for s in levels:
            trial = copy.deepcopy(model)
            prune_magnitude(trial, {name: s})
            result[name][s] = float(evaluate(trial))
    return result


def choose_sparsity(
    sensitivity: Mapping[str, Mapping[float, float]],
    baseline: float,
    max_drop: float,
    *,
    higher_is_better: bool = True,
) -> dict[str, float]:
    """Highest sparsity per layer whose metric stays within ``max_drop`` of ``baseline`` at
    that level and every lower level (0.0 if even the lowest level costs too much)."""
    chosen: dict[str, float] = {}
    for name, curve in sensitivity.items():
        best = 0.0
        for s in sorted(curve):
            drop = baseline - curve[s] if higher_is_better else curve[s] - baseline
            if drop > max_drop:
                break
            best = s
        chosen[name] = best
    return chosen
