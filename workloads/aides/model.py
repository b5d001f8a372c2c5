"""AI-DES (Khan et al. 2019): Xception classifying galaxies as spiral or elliptical.

timm's `legacy_xception` (the Keras Xception port) with a 2-class head, trained from scratch, or from a
local state_dict (`--weights`, e.g. ImageNet weights; the classifier is re-initialised when its shape
differs). Single-band stamps (N, H, W) or (N, 1, H, W) are repeated to 3 channels.

Example:
    >>> import torch
    >>> m = build_model({"num_classes": 2})
    >>> m(torch.zeros(2, 64, 64)).shape
    torch.Size([2, 2])
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from envkit.data.aides import CLASSES  # noqa: E402  (elliptical = 0, spiral = 1: folder names sorted)

POSITIVE = "spiral"  # the ROC's positive class
HEAD = ("net.fc.",)  # re-initialised when --weights comes from another task (ImageNet's 1,000 classes)


class GalaxyNet(nn.Module):
    """Xception with single-band input handling."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 3:
            x = x.unsqueeze(1)
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        return self.net(x)


# Keras' Xception (keras.applications), its layers in `model.layers` order, as DL_DES indexes them
# ("for layer in model_final.layers[:split_at]": split_at 40, then 2). Conv and BatchNorm layers are named
# for the timm legacy_xception module holding the same weights (keras_to_timm); the test checks the
# mapping block by block against timm's shapes.
def keras_layers() -> list[str]:
    """Keras Xception's layer names in `model.layers` order (include_top=False).

    >>> names = keras_layers(); names.index("block1_conv1_bn"), names.index("block5_sepconv2")
    (2, 40)
    """
    names = ["input_1", "block1_conv1", "block1_conv1_bn", "block1_conv1_act", "block1_conv2", "block1_conv2_bn",
             "block1_conv2_act"]
    for k, block in enumerate((2, 3, 4), 1):  # entry flow: two separable convs, a strided 1x1 residual
        first = [] if block == 2 else [f"block{block}_sepconv1_act"]
        names += first + [f"block{block}_sepconv1", f"block{block}_sepconv1_bn", f"block{block}_sepconv2_act",
                          f"block{block}_sepconv2", f"block{block}_sepconv2_bn",
                          "conv2d" + f"_{k}", f"block{block}_pool", f"batch_normalization_{k}", f"add_{k}"]
    for block in range(5, 13):  # middle flow: three separable convs, identity residual
        for j in (1, 2, 3):
            names += [f"block{block}_sepconv{j}_act", f"block{block}_sepconv{j}", f"block{block}_sepconv{j}_bn"]
        names.append(f"add_{block - 1}")
    names += ["block13_sepconv1_act", "block13_sepconv1", "block13_sepconv1_bn", "block13_sepconv2_act",
              "block13_sepconv2", "block13_sepconv2_bn", "conv2d_4", "block13_pool", "batch_normalization_4",
              "add_12", "block14_sepconv1", "block14_sepconv1_bn", "block14_sepconv1_act", "block14_sepconv2",
              "block14_sepconv2_bn", "block14_sepconv2_act"]
    return names


def keras_to_timm(name: str) -> str | None:
    """The timm legacy_xception module with the weights of Keras layer `name` (None: no weights).

    >>> keras_to_timm("block5_sepconv2"), keras_to_timm("conv2d_1"), keras_to_timm("block14_sepconv2_bn")
    ('block4.rep.4', 'block1.skip', 'bn4')
    """
    import re

    fixed = {"block1_conv1": "conv1", "block1_conv1_bn": "bn1", "block1_conv2": "conv2", "block1_conv2_bn": "bn2",
             "block14_sepconv1": "conv3", "block14_sepconv1_bn": "bn3", "block14_sepconv2": "conv4",
             "block14_sepconv2_bn": "bn4"}
    if name in fixed:
        return fixed[name]
    skip = {"conv2d": "skip", "batch_normalization": "skipbn"}
    m = re.fullmatch(r"(conv2d|batch_normalization)_(\d)", name)
    if m:  # residual 1x1 convs of Keras blocks 2, 3, 4, 13 = timm blocks 1, 2, 3, 12
        return f"block{(1, 2, 3, 12)[int(m.group(2)) - 1]}.{skip[m.group(1)]}"
    m = re.fullmatch(r"block(\d+)_sepconv(\d)(_bn)?", name)
    if not m:
        return None
    block, j, bn = int(m.group(1)), int(m.group(2)), bool(m.group(3))
    # timm's Block.rep: [ReLU,] SeparableConv2d, BatchNorm2d, ReLU, ... (block 1 starts without ReLU)
    offset = 0 if block == 2 else 1
    return f"block{block - 1}.rep.{offset + 3 * (j - 1) + (1 if bn else 0)}"


def keras_batchnorm(model: nn.Module) -> None:
    """Keras' BatchNormalization defaults on every BatchNorm layer: momentum 0.99 (PyTorch's 0.01: the
    weight of the new batch) and epsilon 1e-3 (PyTorch: 0.1 and 1e-5). keras.applications.Xception
    keeps them and DL_DES does not change them."""
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.momentum, m.eps = 0.01, 1e-3


def build_model(hp: dict[str, Any]) -> nn.Module:
    """legacy_xception with `num_classes` outputs; `head: dl_des` puts the published head on top of the
    global average pooling: Dense 1024 (ReLU) -> Dropout 0.7 -> Dense 1024 (ReLU) -> classes, as DL_DES's
    Xception_final.py; `keras_batchnorm: true` gives BatchNorm Keras' momentum and epsilon. Initial
    weights come from `--weights` (the runner loads them)."""
    import timm

    classes = int(hp.get("num_classes", 2))
    net = timm.create_model(str(hp.get("arch", "legacy_xception")), pretrained=False, num_classes=classes)
    if hp.get("keras_batchnorm"):
        keras_batchnorm(net)
    if hp.get("head") == "dl_des":
        width = net.get_classifier().in_features
        net.fc = nn.Sequential(nn.Linear(width, 1024), nn.ReLU(), nn.Dropout(0.7), nn.Linear(1024, 1024), nn.ReLU(),
                               nn.Linear(1024, classes))
    elif hp.get("head") not in (None, "linear"):
        raise ValueError(f"head {hp.get('head')!r}: choose linear or dl_des")
    return GalaxyNet(net)


def loss(outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy, in float32."""
    return F.cross_entropy(outputs.float(), target)


def evaluate(outputs: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-batch counts: hits, and per-class hits and totals (for balanced accuracy)."""
    pred = outputs.argmax(dim=1)
    hit = pred == target
    out = {"correct": hit.sum()}
    for c, name in enumerate(CLASSES):
        out[f"n_{name}"] = (target == c).sum()
        out[f"hit_{name}"] = (hit & (target == c)).sum()
    return out


def summarize(sums: dict[str, float], count: int) -> dict[str, float]:
    """Accuracy and per-class recall."""
    out = {"accuracy": sums["correct"] / count}
    for name in CLASSES:
        if sums.get(f"n_{name}"):
            out[f"recall_{name}"] = sums[f"hit_{name}"] / sums[f"n_{name}"]
    return out


def synthetic(hp: dict[str, Any], n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Cheap stand-ins (no GalSim): elongated noisy blobs with or without a two-arm pattern."""
    size = int(hp.get("image_size", 299))
    y = torch.arange(n) % 2  # CLASSES: 1 spiral (arms), 0 elliptical
    c = (size - 1) / 2
    yy, xx = torch.meshgrid(torch.arange(size) - c, torch.arange(size) - c, indexing="ij")
    r = torch.hypot(xx, yy)[None] + 1e-3
    theta = torch.atan2(yy, xx)[None]
    scale = size * (0.08 + 0.06 * torch.rand(n, 1, 1, generator=generator))
    turn = 2 * torch.pi * torch.rand(n, 1, 1, generator=generator)
    arms = 1 + 0.8 * torch.cos(2 * (theta + turn - torch.log(r / scale) / 0.4))
    disk = torch.exp(-r / scale) * torch.where(y[:, None, None] == CLASSES.index("spiral"), arms, torch.ones_like(arms))
    x = disk / disk.amax(dim=(1, 2), keepdim=True) + 0.05 * torch.randn(n, size, size, generator=generator)
    return x.float(), y


def image_transforms(hp: dict[str, Any], train: bool) -> Any:
    """For real cutouts in an ImageFolder tree, as DL_DES's generators: resized to the preset's size by
    nearest neighbour (flow_from_directory's `interpolation='nearest'`), pixels scaled by 1/255
    (`rescale = 1./255`: ToTensor); when training, the preset's `augment` (flips, rotation 45 degrees,
    zoom and shift 0.3, as Keras' ImageDataGenerator), else none (the published validation generator
    only rescales)."""
    from torchvision import transforms as T

    size = int(hp.get("image_size", 299))
    aug = dict(hp.get("augment") or {"flip": True})
    steps: list[Any] = [T.Resize((size, size), interpolation=T.InterpolationMode.NEAREST)]
    if train:
        if aug.get("flip"):
            steps += [T.RandomHorizontalFlip(), T.RandomVerticalFlip()]
        if aug.get("rotation") or aug.get("zoom") or aug.get("shift"):
            zoom, shift = float(aug.get("zoom", 0.0)), float(aug.get("shift", 0.0))
            steps.append(T.RandomAffine(float(aug.get("rotation", 0.0)), translate=(shift, shift) if shift else None,
                                        scale=(1 - zoom, 1 + zoom) if zoom else None))
    return T.Compose([*steps, T.ToTensor()])


def predictions(outputs: torch.Tensor) -> torch.Tensor:
    """Per sample the class probabilities (softmax, float32)."""
    return F.softmax(outputs.float(), dim=1)


def report(pred: Any, target: Any, out_dir: Any, hp: dict[str, Any], title: str = "",
           source: str = "") -> dict[str, Any]:
    """Confusion matrix, ROC and AUC, the p >= 0.9999 catalogue's size and purity, roc.png
    (envkit.evaluate.classify)."""
    from envkit.evaluate import classify

    return classify.binary_report(pred, target.astype("int64"), CLASSES, out_dir, title, positive=POSITIVE)
