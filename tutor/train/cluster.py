"""Channel-wise k-means weight clustering (weight sharing) of Conv/Linear layers.

Each output channel's weights are replaced by at most ``k`` distinct values, found by a
deterministic, vectorised 1-D k-means (all channels of a layer at once). Zeros, e.g. from
pruning, are not clustered and stay exactly zero: in a channel that has zeros, 0 is one of
the ``k`` values and the non-zero weights share the other ``k - 1``. So every channel fits a
``k``-entry codebook with ``log2(k)``-bit indices.

Initialisation is linear between each channel's smallest and largest non-zero weight (Han et
al., "Deep Compression", found it keeps the rare large weights better than density-based
init), then Lloyd iterations. An empty cluster is re-seeded at the worst-fitting weight, so a
channel with at least ``k`` distinct non-zero weights ends with exactly ``k`` values; one with
fewer keeps its values unchanged.

Fine-tuning keeps the clustering by *snapping*: :meth:`WeightClusters.snap` (hooked after
every ``optimizer.step()`` by :meth:`WeightClusters.attach`) sets each centroid to the mean of
its members' updated weights and writes it back to all of them. Cluster membership is fixed.
With plain SGD this is exactly a shared centroid trained with the mean of its members'
gradients; with Adam it is the same idea with per-weight step sizes averaged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from .prune import effective_weight, is_pruned, per_layer, tensor, weight_layers

_INF = float("inf")


def _nearest(v: torch.Tensor, centroids: torch.Tensor) -> torch.Tensor:
    """Index of the nearest centroid per entry; ``centroids`` sorted per row, +inf padded."""
    mids = (centroids[:, 1:] + centroids[:, :-1]) / 2
    return torch.searchsorted(mids.contiguous(), v.contiguous())


def _means(
    v: torch.Tensor, assign: torch.Tensor, centroids: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Cluster means (old centroid where a cluster is empty) and member counts.

    A mean that comes out exactly 0 (a cluster straddling zero) moves to the cluster's
    smallest positive member, so clustering never turns a non-zero weight into a zero.
    """
    valid = assign >= 0
    idx = assign.clamp(min=0)
    w = valid.to(v.dtype)
    sums = torch.zeros_like(centroids).scatter_add_(1, idx, v * w)
    counts = torch.zeros_like(centroids).scatter_add_(1, idx, w)
    means = torch.where(counts > 0, sums / counts.clamp(min=1), centroids)
    zero = (means == 0) & (counts > 0)
    if zero.any():
        pos = torch.where(valid & (v > 0), v, _INF)
        smallest = torch.full_like(centroids, _INF).scatter_reduce_(1, idx, pos, "amin")
        means = torch.where(zero & torch.isfinite(smallest), smallest, means)
    return means, counts


def kmeans_1d(
    values: torch.Tensor,
    k: int | torch.Tensor,
    *,
    valid: torch.Tensor | None = None,
    iters: int = 30,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Independent 1-D k-means on every row of ``values`` (``(rows, n)``).

    ``valid`` marks the entries to cluster (default all); ``k`` is one count or one per row
    (each >= 1). Returns ``(centroids, assignments)``: centroids ``(rows, max k)`` float64,
    ascending, unused slots +inf; assignments ``(rows, n)`` int64, -1 for entries not valid.
    Deterministic: no random init, no data-order dependence.
    """
    v = values.detach().to(torch.float64)
    if v.dim() != 2:
        raise ValueError(f"kmeans_1d needs a 2-D (rows, n) tensor, got shape {tuple(v.shape)}")
    rows, _ = v.shape
    valid = torch.ones_like(v, dtype=torch.bool) if valid is None else valid.to(torch.bool)
    kk = torch.as_tensor(k, dtype=torch.long).expand(rows).clone()
    if iters < 1:
        raise ValueError(f"k-means needs at least one iteration, got {iters}")
    if rows and int(kk.min()) < 1:
        raise ValueError("k-means needs k >= 1 for every row")
    if rows == 0 or v.shape[1] == 0:
        kmax = int(kk.max()) if rows else 1
        return (
            torch.full((rows, kmax), _INF, dtype=torch.float64),
            torch.full(v.shape, -1, dtype=torch.long),
        )
    kmax = int(kk.max())
    slots = torch.arange(kmax)
    active = slots[None, :] < kk[:, None]

    # Rows with no more distinct values than clusters are represented exactly.
    ordered, order = torch.where(valid, v, _INF).sort(dim=1)
    first = torch.isfinite(ordered)
    first[:, 1:] &= ordered[:, 1:] != ordered[:, :-1]
    rank = first.long().cumsum(1) - 1
    exact = first.sum(1) <= kk
    exact_c = torch.full((rows, kmax + 1), _INF, dtype=torch.float64)
    exact_c.scatter_(1, torch.where(first & (rank < kmax), rank, kmax), ordered)
    exact_c = exact_c[:, :kmax]
    exact_a = torch.empty_like(rank).scatter_(1, order, rank)

    # The rest: linear init between the row's extremes, Lloyd, re-seed empty clusters.
    lo = torch.where(valid, v, _INF).amin(1)
    hi = torch.where(valid, v, -_INF).amax(1)
    lo, hi = torch.where(exact, 0.0, lo), torch.where(exact, 0.0, hi)
    step = (hi - lo) / (kk - 1).clamp(min=1)
    c = torch.where(active, lo[:, None] + step[:, None] * slots[None, :], _INF)
    lloyd = ~exact
    prev = None
    for it in range(iters + kmax):
        assign = torch.where(valid, _nearest(v, c), -1)
        c, counts = _means(v, assign, c)
        empty = active & (counts == 0) & lloyd[:, None]
        stable = prev is not None and torch.equal(assign, prev)
        if not empty.any() and (stable or it >= iters - 1):
            break
        prev = assign
        if empty.any():
            err = torch.where(valid, (v - c.gather(1, assign.clamp(min=0))).abs(), -1.0)
            worst = err.argmax(1, keepdim=True)
            slot = empty.to(torch.int8).argmax(1, keepdim=True)
            reseed = empty.any(1, keepdim=True) & (err.gather(1, worst) > 0)
            c = torch.where(reseed & (slots[None, :] == slot), v.gather(1, worst), c)
            c = c.sort(dim=1).values
    else:
        assign = torch.where(valid, _nearest(v, c), -1)
        c, _ = _means(v, assign, c)

    centroids = torch.where(exact[:, None], exact_c, c)
    assign = torch.where(exact[:, None], exact_a, assign)
    return centroids, torch.where(valid, assign, -1)


def distinct_per_channel(weight: torch.Tensor, *, per_channel: bool = True) -> torch.Tensor:
    """Number of distinct values (zero included) in each output channel of ``weight``."""
    rows = weight.detach().reshape(weight.shape[0] if per_channel else 1, -1)
    ordered = rows.sort(dim=1).values
    return 1 + (ordered[:, 1:] != ordered[:, :-1]).sum(1)


@dataclass
class ClusteredLayer:
    """Codebook of one layer: ``weight.reshape(rows, -1) == centroids.gather(1, assignments)``
    where ``assignments >= 0``, and 0 where it is -1."""

    module: nn.Module
    assignments: torch.Tensor
    centroids: torch.Tensor
    relative_error: float = 0.0

    def rows(self) -> torch.Tensor:
        return effective_weight(self.module).to(torch.float64).reshape(self.assignments.shape)

    def snap(self) -> None:
        """Re-estimate each centroid as its members' mean and write it back to them."""
        v = self.rows()
        assign = self.assignments
        if is_pruned(self.module):  # gradual pruning may have masked more weights since
            mask = tensor(self.module, "weight_mask")
            assign = torch.where(mask.reshape(assign.shape) == 0, -1, assign)
        self.centroids, _ = _means(v, assign, self.centroids)
        self.assignments = assign
        self.write()

    def weight(self) -> torch.Tensor:
        """The clustered weight, shaped like the layer's."""
        a = self.assignments
        w = torch.where(a >= 0, self.centroids.gather(1, a.clamp(min=0)), 0.0)
        return w.reshape(tensor(self.module, "weight").shape)

    def write(self) -> None:
        module = self.module
        param = tensor(module, "weight_orig" if is_pruned(module) else "weight")
        with torch.no_grad():
            param.copy_(self.weight().to(param.dtype))
        if is_pruned(module):  # what the pruning hook would compute at the next forward
            module.weight = tensor(module, "weight_orig") * tensor(module, "weight_mask")


@dataclass
class WeightClusters:
    """The clustered layers of a model; keeps them clustered while fine-tuning."""

    layers: dict[str, ClusteredLayer] = field(default_factory=dict)

    def snap(self) -> None:
        with torch.no_grad():
            for layer in self.layers.values():
                layer.snap()

    def attach(self, optimizer: torch.optim.Optimizer) -> RemovableHandle:
        """Snap after every ``optimizer.step()``; ``handle.remove()`` stops it."""
        return optimizer.register_step_post_hook(lambda _opt, _args, _kwargs: self.snap())

    def max_distinct(self) -> dict[str, int]:
        """Most distinct values (zero included) in any output channel, per layer."""
        return {
            name: int(distinct_per_channel(layer.weight().reshape(layer.assignments.shape)).max())
            for name, layer in self.layers.items()
        }


def cluster_weights(
    model: nn.Module,
    k: int | Mapping[str, int],
    *,
    per_channel: bool = True,
    skip: Iterable[str] = (),
    iters: int = 30,
) -> WeightClusters:
    """Cluster each Conv/Linear weight in place to at most ``k`` values per output channel
    (per whole tensor with ``per_channel=False``); zeros stay zeros and count as one value.

    ``k`` is one count or a mapping of layer names/patterns to counts (unmatched layers are
    left alone). Works on pruned layers too: masked weights stay masked. Returns the codebooks,
    which :meth:`WeightClusters.attach` keeps in force while fine-tuning.
    """
    layers = weight_layers(model, skip)
    counts = per_layer(layers, k, "clusters")
    result = WeightClusters()
    for name, n_clusters in counts.items():
        if isinstance(n_clusters, bool) or not isinstance(n_clusters, int) or n_clusters < 2:
            raise ValueError(f"clusters for {name!r} must be an integer >= 2, got {n_clusters!r}")
        module = layers[name]
        w = effective_weight(module)
        rows = w.to(torch.float64).reshape(w.shape[0] if per_channel else 1, -1)
        valid = rows != 0
        per_row = n_clusters - (~valid).any(1).long()
        centroids, assign = kmeans_1d(rows, per_row, valid=valid, iters=iters)
        layer = ClusteredLayer(module, assign, centroids)
        new = layer.weight().reshape(rows.shape)
        norm = float(rows.norm())
        layer.relative_error = float((new - rows).norm()) / norm if norm else 0.0
        layer.write()
        result.layers[name] = layer
    return result
