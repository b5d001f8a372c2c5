"""AI-GW memory savers: block checkpointing and micro-batch accumulation change memory, never the maths."""

from __future__ import annotations

import copy
import json

import pytest
import torch
from wl_helpers import run, train_cmd

from envkit.train import workload

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")


def _saved_bytes_and_grads(model: torch.nn.Module, loss_fn, x: torch.Tensor, y: torch.Tensor):  # type: ignore[no-untyped-def]
    """Bytes autograd keeps for backward (counted where they are saved), then backward."""
    total = [0]

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        total[0] += tensor.numel() * tensor.element_size()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = loss_fn(model(x), y)
    loss.backward()
    return total[0], {n: p.grad.clone() for n, p in model.named_parameters()}


def test_checkpointed_blocks_keep_a_tenth_of_the_activations_with_the_same_gradients_and_statistics() -> None:
    aigw = workload.load("aigw")
    torch.manual_seed(0)
    plain = aigw.module.build_model({**aigw.preset("smoke"), "dropout": 0.0})
    ckpt = copy.deepcopy(plain)
    ckpt.checkpoint_blocks = True
    x, y = torch.randn(4, 2048, 1), torch.randn(4, 5)
    plain_bytes, plain_grads = _saved_bytes_and_grads(plain, aigw.module.loss, x, y)
    ckpt_bytes, ckpt_grads = _saved_bytes_and_grads(ckpt, aigw.module.loss, x, y)
    assert ckpt_bytes < 0.15 * plain_bytes, (ckpt_bytes, plain_bytes)
    for name, grad in plain_grads.items():
        assert torch.allclose(grad, ckpt_grads[name], atol=1e-5, rtol=1e-4), name
    # the recompute must not update BatchNorm's running statistics a second time
    for (name, a), (_, b) in zip(plain.named_buffers(), ckpt.named_buffers(), strict=True):
        assert torch.equal(a, b), name
    assert int(ckpt.blocks[0].inp[1].num_batches_tracked) == 1


def test_checkpointing_is_off_in_eval_and_under_no_grad() -> None:
    aigw = workload.load("aigw")
    model = aigw.module.build_model({**aigw.preset("smoke"), "checkpoint_blocks": True}).eval()
    x = torch.randn(2, 2048, 1)
    with torch.no_grad():
        q, ap = model(x)
    assert q.shape == (2, 1) and ap.shape == (2, 4)


@pytest.mark.slow
def test_micro_batches_reach_the_weights_of_the_whole_batch(tmp_path, tiny) -> None:
    """Tiny MLP (no BatchNorm), 8 samples per step: 4 micro-batches of 2 accumulate the same gradient."""
    res = str(tmp_path)
    run(train_cmd(tiny, "--batch", "8", "--results", res, "--run-id", "whole"))
    run(train_cmd(tiny, "--batch", "8", "--set", "micro_batches=4", "--results", res, "--run-id", "micro"))
    a = torch.load(tmp_path / "whole" / "model_final.pt", weights_only=True)
    b = torch.load(tmp_path / "micro" / "model_final.pt", weights_only=True)
    for key in a:
        assert torch.allclose(a[key], b[key], atol=1e-6, rtol=1e-5), key
    assert json.loads((tmp_path / "micro" / "metrics.json").read_text())["steps"] == \
        json.loads((tmp_path / "whole" / "metrics.json").read_text())["steps"]


def test_micro_batches_must_divide_the_batch(tmp_path, tiny) -> None:
    proc = run(train_cmd(tiny, "--batch", "8", "--set", "micro_batches=3", "--results", str(tmp_path)), check=False)
    assert proc.returncode == 2 and "micro_batches (3) must divide the batch per device (8)" in proc.stderr
    assert "Traceback" not in proc.stderr
