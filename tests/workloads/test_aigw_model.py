"""AI-GW model: layer structure, Keras 'same' padding, output shapes and parameter counts."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from envkit.train import workload

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")

PAPER_PARAMS = 10_297_782  # the same count as shared/bench/aigw_anchor.py's model


@pytest.fixture(scope="module")
def aigw():
    return workload.load("aigw")


def test_paper_parameter_count(aigw):
    model = aigw.module.build_model(aigw.preset("paper"))
    assert sum(p.numel() for p in model.parameters()) == PAPER_PARAMS


def test_layer_list(aigw):
    model = aigw.module.build_model(aigw.preset("paper"))
    assert model.stem.in_channels == 1 and model.stem.out_channels == 16 and model.stem.kernel_size == (2,)
    assert [b.f[0].dilation[0] for b in model.blocks] == [2**i for i in range(8)] * 2
    for b in model.blocks:
        assert [type(m) for m in b.inp] == [nn.Conv1d, nn.BatchNorm1d, nn.ReLU]
        assert b.f[0].out_channels == b.g[0].out_channels == 32 and b.f[0].kernel_size == (2,)
        assert isinstance(b.f[1], nn.BatchNorm1d) and isinstance(b.g[1], nn.BatchNorm1d)
        assert b.out[0].out_channels == 16 and isinstance(b.out[1], nn.BatchNorm1d)
    convs = [m for m in model.post if isinstance(m, nn.Conv1d)]
    assert [c.out_channels for c in convs] == [128, 1]
    assert any(isinstance(m, nn.Dropout) and m.p == 0.2 for m in model.post)
    assert model.q[0].in_features == 10_000 and model.q[0].out_features == 512 and model.q[-1].out_features == 1
    assert model.ap[0].in_features == 10_000 and model.ap[-1].out_features == 4


def test_paper_output_shapes_keras_layout(aigw):
    model = aigw.module.build_model(aigw.preset("paper")).eval()
    with torch.no_grad():
        q, ap = model(torch.randn(2, 101_300, 1))
    assert q.shape == (2, 1) and ap.shape == (2, 4)


def test_input_layouts_agree(aigw):
    model = aigw.module.build_model(aigw.preset("smoke")).eval()
    x = torch.randn(3, 2048)
    with torch.no_grad():
        a, b, c = model(x), model(x[:, :, None]), model(x[:, None, :])
    assert torch.equal(a[0], b[0]) and torch.equal(a[0], c[0]) and torch.equal(a[1], b[1])


@pytest.mark.parametrize("dilation", [1, 2, 4, 128])
def test_same_padding_matches_keras(dilation):
    """Keras 'same': total pad d(k-1), left = total // 2, right = the rest (kernel 2: 0|1 at d=1)."""
    conv = nn.Conv1d(1, 1, 2, dilation=dilation, padding="same")
    x = torch.randn(1, 1, 300)
    total = dilation * (2 - 1)
    manual = F.conv1d(F.pad(x, (total // 2, total - total // 2)), conv.weight, conv.bias, dilation=dilation)
    assert torch.allclose(conv(x), manual, atol=1e-6)


def test_smoke_preset_keeps_block_structure(aigw):
    smoke = aigw.module.build_model(aigw.preset("smoke"))
    paper = aigw.module.build_model(aigw.preset("paper"))
    assert len(smoke.blocks) == len(paper.blocks) == 16
    assert smoke.q[0].in_features == 256


def test_loss_is_mse_on_both_heads(aigw):
    q, ap = torch.zeros(4, 1), torch.zeros(4, 4)
    y = torch.ones(4, 5)
    assert aigw.module.loss((q, ap), y).item() == pytest.approx(2.0)
