"""ResNet-50 (torchvision) image classification: the ImageNet standard the paper measures against.

Data: an ImageFolder tree (`--data`, with train/ and val/), or synthetic class-dependent tensors kept on
the device (the Horovod synthetic-benchmark style, but learnable so a smoke run's loss can drop).

Example:
    >>> import torch
    >>> m = build_model({"num_classes": 4})
    >>> m(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 4])
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

HEAD = ("fc.",)  # re-initialised when --weights has another number of classes
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def build_model(hp: dict[str, Any]) -> nn.Module:
    """torchvision ResNet-50 from scratch (or from a local state_dict given as `weights`).

    The last BN of each residual block starts at zero (`zero_init_residual`, Goyal et al. 2017's
    large-batch practice), so every block starts as the identity.
    """
    import torchvision

    model = torchvision.models.resnet50(weights=None, num_classes=int(hp.get("num_classes", 1000)),
                                        zero_init_residual=bool(hp.get("zero_init_residual", True)))
    return model


def loss(outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy, in float32."""
    return F.cross_entropy(outputs.float(), target)


def evaluate(outputs: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-batch counts of top-1 and top-5 hits."""
    k = min(5, outputs.shape[1])
    top = outputs.topk(k, dim=1).indices
    hits = top == target[:, None]
    return {"correct1": hits[:, 0].sum(), "correct5": hits.any(dim=1).sum()}


def summarize(sums: dict[str, float], count: int) -> dict[str, float]:
    """Top-1 and top-5 accuracy."""
    return {"top1": sums["correct1"] / count, "top5": sums["correct5"] / count}


def synthetic(hp: dict[str, Any], n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Images = a fixed random template per class + noise (the templates depend on the seed only)."""
    size, classes = int(hp.get("image_size", 224)), int(hp.get("num_classes", 1000))
    templates_gen = torch.Generator().manual_seed(int(hp.get("template_seed", 1234)))
    n_templates = min(classes, 64)  # many classes share templates: keeps memory small for 1,000 classes
    templates = torch.randn(n_templates, 3, size, size, generator=templates_gen)
    y = torch.randint(0, classes, (n,), generator=generator)
    x = templates[y % n_templates] + float(hp.get("noise", 1.0)) * torch.randn(n, 3, size, size, generator=generator)
    return x, y


def image_transforms(hp: dict[str, Any], train: bool) -> Any:
    """ImageNet-style augmentation for training, resize + centre crop for validation."""
    from torchvision import transforms as T

    size = int(hp.get("image_size", 224))
    norm = T.Normalize(IMAGENET_MEAN, IMAGENET_STD)
    if train:
        return T.Compose([T.RandomResizedCrop(size), T.RandomHorizontalFlip(), T.ToTensor(), norm])
    return T.Compose([T.Resize(int(size * 256 / 224)), T.CenterCrop(size), T.ToTensor(), norm])


def predictions(outputs: torch.Tensor) -> torch.Tensor:
    """Per sample the five highest-scoring classes, best first (a compact summary of 1,000 logits)."""
    return outputs.topk(min(5, outputs.shape[1]), dim=1).indices


def report(pred: Any, target: Any, out_dir: Any, hp: dict[str, Any], title: str = "",
           source: str = "") -> dict[str, Any]:
    """Top-1 and top-5 accuracy over the whole split (envkit.evaluate.classify)."""
    from envkit.evaluate import classify

    return classify.topk_report(pred.astype("int64"), target.astype("int64"))
