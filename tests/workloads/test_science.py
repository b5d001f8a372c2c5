"""Issue #25: the workloads as published, labels that cannot swap, runs that say how they were measured.

Each test here failed on the code before the fix it guards (before/after in the closing note)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from envkit.train import dist as distmod
from envkit.train import sources
from envkit.train import workload as wlmod


def _image_folder(root, per_class: int = 6, size: int = 16) -> None:
    """spiral/ (bright images) and elliptical/ (dark images): ImageFolder sorts them elliptical = 0."""
    from PIL import Image

    for name, level in (("spiral", 230), ("elliptical", 20)):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(np.full((size, size, 3), level, np.uint8)).save(root / name / f"{i}.png")


class _Oracle(torch.nn.Module):
    """Says "spiral" (by the workload's class names) for bright images, "elliptical" for dark ones."""

    def __init__(self, classes: tuple[str, ...]) -> None:
        super().__init__()
        self.spiral, self.elliptical = classes.index("spiral"), classes.index("elliptical")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bright = x.float().mean(dim=(1, 2, 3)) > 0.2  # 230/255 or its [-1, 1] image vs 20/255
        out = torch.full((len(x), 2), -20.0)
        out[bright, self.spiral] = 20.0
        out[~bright, self.elliptical] = 20.0
        return out


def test_image_folder_classes_named_by_folder(tmp_path):
    """A spiral/ and elliptical/ ImageFolder: the confusion matrix is diagonal and the p >= 0.9999
    catalogue of spirals holds the spirals (before: the names were swapped, ImageFolder's elliptical = 0
    reported as spiral)."""
    from envkit.evaluate import run as evaluation

    _image_folder(tmp_path / "test")
    wl = wlmod.load("aides")
    hp = wl.preset("smoke", {"image_size": 16})
    ctx = distmod.setup("none", "cpu")
    src, _ = sources.test_source(str(tmp_path), wl.module, hp, 4, 0, 1, 0, ctx.device)
    gathered = evaluation.collect(_Oracle(wl.module.CLASSES), wl.module, src, ctx)
    assert gathered is not None
    _, n, pred, target = gathered
    rep = wl.module.report(pred, target, None, hp)
    names = rep["confusion"]["rows_true_cols_predicted"]
    counts = np.array(rep["confusion"]["counts"])
    assert n == 12 and counts.trace() == 12, (names, counts)
    assert rep["catalogue"]["spiral"] == {"size": 6, "purity": 1.0}
    assert rep["catalogue"]["elliptical"] == {"size": 6, "purity": 1.0}
    assert rep["auc_positive_class"] == "spiral" and rep["auc"] == 1.0


def test_image_folder_unknown_class_refused(tmp_path):
    from PIL import Image

    for name in ("spiral", "lenticular"):
        (tmp_path / "test" / name).mkdir(parents=True)
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "test" / name / "0.png")
    wl = wlmod.load("aides")
    with pytest.raises(sources.SourceError, match="lenticular"):
        sources.test_source(str(tmp_path), wl.module, wl.preset("smoke"), 4, 0, 1, 0, torch.device("cpu"))


def test_image_folder_without_test_says_val(tmp_path):
    """No test/ folder: the test split is val/, the early-stopping set, and the source says so."""
    _image_folder(tmp_path / "val")
    wl = wlmod.load("aides")
    _, source = sources.test_source(str(tmp_path), wl.module, wl.preset("smoke", {"image_size": 16}), 4, 0, 1, 0,
                                    torch.device("cpu"))
    assert "early-stopping" in source and "no test/" in source


def test_aigw_paper_preset_reshuffles():
    """The published generator reshuffles every epoch: no block of samples stays together (before:
    read_block 16 kept the same groups of 16 in every epoch)."""
    wl = wlmod.load("aigw")
    for preset in ("paper", "paper-16gb"):
        assert int(wl.preset(preset).get("read_block", 16)) == 1, preset


def test_synthetic_aigw_reports_no_overlap():
    """Synthetic chirps are no GR waveforms: no IMRPhenomXAS overlap for their parameters."""
    wl = wlmod.load("aigw")
    hp = wl.preset("smoke")
    x, y = wl.module.synthetic(hp, 4, torch.Generator().manual_seed(0))
    rep = wl.module.report(y.numpy(), y.numpy(), None, hp, source="synthetic, seed 2")
    assert "mean" not in rep["overlap"] and "synthetic" in rep["overlap"]["skipped"]


def test_aides_stamps_of_another_size_refused(tmp_path):
    """64-px stamps under a 224-px preset: refused with the fix, not trained at 64 px while metrics.json
    says 224 (before: accepted silently)."""
    pytest.importorskip("galsim")
    from envkit.data import aides

    aides.generate(10, tmp_path, size=32, workers=1)
    wl = wlmod.load("aides")
    with pytest.raises(sources.SourceError, match="32 x 32 px, the preset's image_size is 224"):
        sources.build(str(tmp_path), wl.module, wl.preset("paper"), 2, 0, 1, 0, torch.device("cpu"))
    train, _ = sources.build(str(tmp_path), wl.module, wl.preset("smoke", {"image_size": 32}), 2, 0, 1, 0,
                             torch.device("cpu"), workers=0)
    assert sources.sample_shape(train) == (32, 32)


def test_old_class_order_h5_refused(tmp_path):
    """An HDF5 set labelled 0 = spiral (written before classes followed folder names) is refused."""
    import json

    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "train.h5", "w") as f:
        f["x"] = np.zeros((4, 16, 16), np.float32)
        f["y"] = np.array([0, 1, 0, 1])
        f.attrs["classes"] = json.dumps(["spiral", "elliptical"])
    wl = wlmod.load("aides")
    with pytest.raises(sources.SourceError, match="regenerate"):
        sources.build(str(tmp_path), wl.module, wl.preset("smoke", {"image_size": 16}), 2, 0, 1, 0,
                      torch.device("cpu"))
