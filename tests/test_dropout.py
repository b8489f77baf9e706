"""The blocks' dropout draws its masks with numpy (torch's CPU draw is the slow part of a
training step): it must still be dropout, and repeatable."""

from __future__ import annotations

from dataclasses import replace

import torch

from tutor.train.models import TINY, ConvPhoneNet, NumpyDropout


def test_it_drops_a_share_p_and_keeps_the_expected_value() -> None:
    drop = NumpyDropout(0.2, seed=1).train()
    x = torch.ones(8, 64, 100)
    y = drop(x)
    assert abs(float((y == 0).float().mean()) - 0.2) < 0.01
    assert abs(float(y.mean()) - 1.0) < 0.02
    assert torch.allclose(y[y != 0], torch.full_like(y[y != 0], 1.25))


def test_it_passes_gradients_only_through_kept_units() -> None:
    x = torch.ones(4, 8, 10, requires_grad=True)
    y = NumpyDropout(0.5, seed=0).train()(x)
    y.sum().backward()
    assert x.grad is not None and torch.equal(x.grad == 0, y == 0)


def test_evaluation_and_p_zero_leave_the_input_alone() -> None:
    x = torch.randn(2, 4, 5)
    assert NumpyDropout(0.3).eval()(x) is x
    assert NumpyDropout(0.0).train()(x) is x


def test_masks_follow_the_seed_and_differ_between_blocks() -> None:
    x = torch.ones(2, 4, 50)
    assert torch.equal(NumpyDropout(0.5, seed=3)(x), NumpyDropout(0.5, seed=3)(x))
    assert not torch.equal(NumpyDropout(0.5, seed=3)(x), NumpyDropout(0.5, seed=4)(x))
    config = replace(TINY, dropout=0.5)
    torch.manual_seed(7)
    first = [b.drop(x) for b in ConvPhoneNet(config).train().blocks]
    torch.manual_seed(7)
    again = [b.drop(x) for b in ConvPhoneNet(config).train().blocks]
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    assert not torch.equal(first[0], first[1])
    torch.manual_seed(8)
    other = ConvPhoneNet(config).train().blocks[0].drop(x)
    assert not torch.equal(first[0], other)
