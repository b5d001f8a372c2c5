"""AI-GW (Khan, Huerta, Das 2020): gated, dilated residual 1-D convolutions regressing mass ratio and spins.

The architecture of the published Keras `create_model`, written in PyTorch exactly as envkit's GPU anchor
(shared/bench/aigw_anchor.py) has it: a stem conv 1->16 (kernel 2), 16 gated residual blocks with
dilations 1, 2, ..., 128 twice, kernel 2, padding 'same' (non-causal; for kernel k and dilation d, Keras
and PyTorch both pad d(k-1)//2 on the left and the rest on the right), each block 1x1 conv + BN + ReLU,
tanh(conv 32 + BN) * sigmoid(conv 32 + BN), 1x1 conv to 16 + BN + ReLU, residual and skip outputs; the
sum of skips -> ReLU -> conv 128 -> ReLU -> Dropout 0.2 -> conv 1 -> the last `keep` time steps ->
two heads Dense(512)+ReLU -> q (1) and [s1, s2, chi_eff, S_eff] (4). Paper preset: 10,297,782 parameters.
The model takes (N, L, 1) like Keras (or (N, L) or (N, 1, L)).

Memory: at the paper's length every block keeps about 350 channels x 101,300 steps per sample for
backward. `checkpoint_blocks: true` (hyperparameter) keeps only each block's 16-channel input and
recomputes the block during backward (torch.utils.checkpoint); the recompute normalises with the same
batch statistics but does not update BatchNorm's running statistics a second time, so weights, gradients
and running statistics match the plain model.

Example:
    >>> import torch
    >>> m = AIGW(seq_len=256, keep=64)
    >>> [t.shape[1] for t in m(torch.zeros(2, 256, 1))]
    [1, 4]
"""

from __future__ import annotations

import warnings
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

CHANNELS, GATE_CHANNELS = 16, 32
# Keras 'same' with kernel 2 pads asymmetrically; PyTorch does the same and warns that it copies the input.
warnings.filterwarnings("ignore", message="Using padding='same' with even kernel")


class GatedBlock(nn.Module):
    """One WaveNet-style gated residual block; returns (residual output, skip)."""

    def __init__(self, dilation: int, ch: int = CHANNELS, gch: int = GATE_CHANNELS) -> None:
        super().__init__()
        self.inp = nn.Sequential(nn.Conv1d(ch, ch, 1), nn.BatchNorm1d(ch), nn.ReLU())
        self.f = nn.Sequential(nn.Conv1d(ch, gch, 2, dilation=dilation, padding="same"), nn.BatchNorm1d(gch))
        self.g = nn.Sequential(nn.Conv1d(ch, gch, 2, dilation=dilation, padding="same"), nn.BatchNorm1d(gch))
        self.out = nn.Sequential(nn.Conv1d(gch, ch, 1), nn.BatchNorm1d(ch), nn.ReLU())

    def forward(self, x: torch.Tensor, update_stats: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
        h = F.relu(_norm(self.inp[1], self.inp[0](x), update_stats))
        f = _norm(self.f[1], self.f[0](h), update_stats)
        g = _norm(self.g[1], self.g[0](h), update_stats)
        z = F.relu(_norm(self.out[1], self.out[0](torch.tanh(f) * torch.sigmoid(g)), update_stats))
        return x + z, z


def _norm(bn: nn.BatchNorm1d, x: torch.Tensor, update_stats: bool) -> torch.Tensor:
    """BatchNorm; when recomputing for backward (update_stats False), batch statistics without the update."""
    if update_stats or not bn.training:
        return bn(x)
    # throw-away copies of the running statistics: the same op as the first pass, no second update
    return F.batch_norm(x, bn.running_mean.clone(), bn.running_var.clone(), bn.weight, bn.bias, True,  # type: ignore[union-attr]
                        bn.momentum or 0.0, bn.eps)


def _checkpointed(block: GatedBlock, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Run `block` keeping only its input for backward; the recompute leaves running statistics alone."""
    calls = [0]

    def run(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        calls[0] += 1
        return block(x, update_stats=calls[0] == 1)

    return checkpoint(run, h, use_reentrant=False)  # type: ignore[return-value]


class AIGW(nn.Module):
    """The AI-GW regression network (see the module docstring)."""

    def __init__(self, seq_len: int = 101_300, keep: int = 10_000, dropout: float = 0.2,
                 dilations: tuple[int, ...] = tuple(2**i for i in range(8)), stacks: int = 2,
                 checkpoint_blocks: bool = False) -> None:
        super().__init__()
        self.checkpoint_blocks = checkpoint_blocks
        if keep > seq_len:
            raise ValueError(f"keep ({keep}) exceeds seq_len ({seq_len})")
        self.seq_len, self.keep = seq_len, keep
        self.stem = nn.Conv1d(1, CHANNELS, 2, padding="same")
        self.blocks = nn.ModuleList(GatedBlock(d) for _ in range(stacks) for d in dilations)
        self.post = nn.Sequential(nn.ReLU(), nn.Conv1d(CHANNELS, 128, 2, padding="same"), nn.ReLU(),
                                  nn.Dropout(dropout), nn.Conv1d(128, 1, 2, padding="same"))
        self.q = nn.Sequential(nn.Linear(keep, 512), nn.ReLU(), nn.Linear(512, 1))
        self.ap = nn.Sequential(nn.Linear(keep, 512), nn.ReLU(), nn.Linear(512, 4))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.dim() == 2:
            x = x.unsqueeze(1)
        elif x.dim() == 3 and x.shape[-1] == 1 and x.shape[1] != 1:
            x = x.transpose(1, 2)  # Keras layout (N, L, 1) -> (N, 1, L)
        h = self.stem(x)
        skip: torch.Tensor | int = 0
        recompute = self.checkpoint_blocks and self.training and torch.is_grad_enabled()
        for block in self.blocks:
            h, z = _checkpointed(block, h) if recompute else block(h)
            skip = skip + z
        y = self.post(skip)[:, 0, -self.keep:]
        return self.q(y), self.ap(y)


def build_model(hp: dict[str, Any]) -> nn.Module:
    """The AI-GW model for a preset (`seq_len`, `keep`, `dropout`, `checkpoint_blocks`)."""
    return AIGW(int(hp.get("seq_len", 101_300)), int(hp.get("keep", 10_000)), float(hp.get("dropout", 0.2)),
                checkpoint_blocks=bool(hp.get("checkpoint_blocks", False)))


def loss(outputs: tuple[torch.Tensor, torch.Tensor], target: torch.Tensor) -> torch.Tensor:
    """MSE on both heads, summed (Keras sums the losses of a two-output model)."""
    q, ap = outputs
    return F.mse_loss(q.float(), target[:, :1].float()) + F.mse_loss(ap.float(), target[:, 1:5].float())


def evaluate(outputs: tuple[torch.Tensor, torch.Tensor], target: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-batch sums: squared and absolute errors of q, squared error of the spin head."""
    q, ap = outputs[0].float(), outputs[1].float()
    t = target.float()
    return {"se_q": ((q[:, 0] - t[:, 0]) ** 2).sum(), "ae_q": (q[:, 0] - t[:, 0]).abs().sum(),
            "se_ap": ((ap - t[:, 1:5]) ** 2).mean(dim=1).sum(),
            "ae_chi_eff": (ap[:, 2] - t[:, 3]).abs().sum()}


def summarize(sums: dict[str, float], count: int) -> dict[str, float]:
    """Mean errors over the validation set."""
    return {"mse_q": sums["se_q"] / count, "mae_q": sums["ae_q"] / count, "mse_ap": sums["se_ap"] / count,
            "mae_chi_eff": sums["ae_chi_eff"] / count}


def synthetic(hp: dict[str, Any], n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Chirp-like signals whose frequency sweep depends on q and the spins, with their 5 targets."""
    seq_len = int(hp.get("seq_len", 101_300))
    q = 1.0 + 7.0 * torch.rand(n, generator=generator)
    s1, s2 = (1.6 * torch.rand(2, n, generator=generator) - 0.8).unbind(0)
    chi = (q * s1 + s2) / (q + 1)
    s_eff = (1 + 3 / (4 * q)) * s1 + (1 + 3 * q / 4) * s2
    t = torch.linspace(-1.0, 0.0, seq_len)
    f = 20.0 + 6.0 * q[:, None] + 10.0 * chi[:, None]
    phase = 2 * torch.pi * f * (t + 1.0) * (1.0 + 2.0 * (t + 1.0) ** 3)
    x = torch.cos(phase) * torch.exp(3.0 * t)[None]
    x = x + 0.05 * torch.randn(n, seq_len, generator=generator)
    return x.float(), torch.stack([q, s1, s2, chi, s_eff], dim=1).float()


def predictions(outputs: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    """Per sample [q, s1, s2, chi_eff, S_eff] as predicted (the two heads side by side)."""
    return torch.cat([outputs[0], outputs[1]], dim=1)


def report(pred: Any, target: Any, out_dir: Any, hp: dict[str, Any], title: str = "",
           source: str = "") -> dict[str, Any]:
    """Per-parameter errors, errors binned over q and chi_eff, waveform overlaps of the true and the
    predicted parameters (lalsimulation) and parameters.png (envkit.evaluate.gw)."""
    from envkit.evaluate import gw

    return gw.report(pred, target, int(hp.get("seq_len", 101_300)), out_dir,
                     int(hp.get("overlap_samples", 32)), title, waveforms=not source.startswith("synthetic"))
