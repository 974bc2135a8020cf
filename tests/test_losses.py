"""Losses of the attention model: hand-computed values on tiny tensors, shapes, gradients."""
import math

import pytest
import torch

from locbench.model.losses import (LossWeights, attention_losses, contrast, cross_entropy, total_variation,
                                   unimodality)
from locbench.model.net import AttentionOutput


def test_cross_entropy_matches_hand_value():
    logits = torch.tensor([[0.0, 0.0], [2.0, 0.0]])
    labels = torch.tensor([0, 1])
    per = cross_entropy(logits, labels, reduction="none")
    expected = torch.tensor([math.log(2.0), 2.0 + math.log(1.0 + math.exp(-2.0))])
    assert torch.allclose(per, expected, atol=1e-6)
    assert torch.allclose(cross_entropy(logits, labels), expected.mean(), atol=1e-6)


def test_tv_of_constant_mask_is_zero():
    assert float(total_variation(torch.full((2, 3, 4, 5), 0.7))) == 0.0


def test_tv_of_checkerboard():
    k = 4
    yy, xx = torch.meshgrid(torch.arange(k), torch.arange(k), indexing="ij")
    board = ((yy + xx) % 2).float()  # every neighbour differs by 1
    masks = board.expand(1, 1, k, k).clone()
    assert float(total_variation(masks)) == 2 * k * (k - 1)  # k(k-1) horizontal + k(k-1) vertical pairs


def test_tv_sums_frames_and_averages_clips():
    m = torch.zeros(2, 3, 2, 2)
    m[0, :, 0, 0] = 1.0  # clip 0: 3 frames with one corner on -> 2 per frame
    per = total_variation(m, reduction="none")
    assert per.tolist() == [6.0, 0.0]
    assert float(total_variation(m)) == 3.0


def test_contrast_values_and_binarisation_without_gradient():
    m = torch.tensor([[[[0.8, 0.2], [0.5, 1.0]]]], requires_grad=True)
    # B = [1,0,0,1] (0.5 is not > 0.5): -0.4 + 0.1 + 0.25 - 0.5
    val = contrast(m)
    assert val.item() == pytest.approx(-0.55)
    val.backward()
    assert m.grad.flatten().tolist() == [-0.5, 0.5, 0.5, -0.5]  # d/dM only, B is a constant


def test_unimodal_zero_for_log_concave_sequence():
    w = torch.tensor([0.05, 0.1, 0.2, 0.3, 0.2, 0.1, 0.05])  # w[i-1] w[i+1] <= w[i]^2 everywhere
    assert float(unimodality(w.view(1, 1, -1))) == 0.0


def test_unimodal_positive_for_bimodal_sequence():
    w = torch.tensor([0.4, 0.1, 0.4, 0.1])
    # i=1: 0.4*0.4 - 0.01 = 0.15 ; i=2: 0.1*0.1 - 0.16 < 0
    assert float(unimodality(w.view(1, 1, -1))) == pytest.approx(0.15)


def test_unimodal_sums_steps_and_handles_short_sequences():
    w = torch.tensor([0.4, 0.1, 0.4, 0.1]).expand(3, 2, 4)  # 3 clips x 2 steps
    assert unimodality(w, reduction="none").tolist() == pytest.approx([0.3, 0.3, 0.3])
    assert float(unimodality(torch.full((1, 2, 2), 0.5))) == 0.0


def test_reduction_is_checked():
    with pytest.raises(ValueError):
        total_variation(torch.zeros(1, 1, 2, 2), reduction="sum")


def _fake_output(requires_grad=True):
    g = torch.Generator().manual_seed(0)
    masks = torch.rand(2, 3, 4, 4, generator=g).requires_grad_(requires_grad)
    weights = torch.softmax(torch.randn(2, 5, 3, generator=g), dim=-1).requires_grad_(requires_grad)
    logits = torch.randn(2, 4, generator=g).requires_grad_(requires_grad)
    return AttentionOutput(logits, masks, weights, weights.mean(1))


def test_attention_losses_total_is_weighted_sum():
    out = _fake_output()
    labels = torch.tensor([1, 3])
    lw = LossWeights(tv=0.1, contrast=0.2, unimodal=3.0)
    d = attention_losses(out, labels, lw)
    assert set(d) == {"ce", "tv", "contrast", "unimodal", "total"}
    assert all(v.shape == () for v in d.values())
    expected = d["ce"] + 0.1 * d["tv"] + 0.2 * d["contrast"] + 3.0 * d["unimodal"]
    assert torch.allclose(d["total"], expected)


def test_zero_lambda_switches_a_term_off():
    out = _fake_output()
    d = attention_losses(out, torch.tensor([0, 1]), LossWeights(0.0, 0.0, 0.0))
    assert torch.equal(d["total"], d["ce"])
    d["total"].backward()
    assert out.masks.grad is None or float(out.masks.grad.abs().sum()) == 0.0


def test_no_spatial_attention_reports_mask_terms_as_zero():
    out = _fake_output(requires_grad=False)
    out = out._replace(masks=torch.ones_like(out.masks))
    d = attention_losses(out, torch.tensor([0, 1]), spatial=False)
    assert float(d["tv"]) == 0.0 and float(d["contrast"]) == 0.0
