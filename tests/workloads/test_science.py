"""Issue #25: the workloads as published, labels that cannot swap, runs that say how they were measured.

Each test here failed on the code before the fix it guards (before/after in the closing note)."""

from __future__ import annotations

import sys

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


# Keras Xception's filters per block (keras.applications.xception): block1 32, 64; block2 128; block3 256;
# block4 and the middle flow 728; block13 728 then 1024; block14 1536, 2048.
def _keras_filters(name: str) -> int:
    import re

    block, j = (int(v) for v in re.match(r"block(\d+)_(?:sep)?conv(\d)", name).groups())
    table = {1: (32, 64), 2: (128, 128), 3: (256, 256), 4: (728, 728), 13: (728, 1024), 14: (1536, 2048)}
    return table.get(block, (728, 728, 728))[j - 1] if block in table else 728


def test_keras_layers_map_to_timm_block_by_block():
    """Every Keras Xception conv/BN layer maps to a distinct timm legacy_xception module with the same
    channel count, in the matching block; Keras layer 40 (DL_DES's second split) is block5_sepconv2 = timm
    block4.rep.4, and freezing timm's parameters before it freezes exactly Keras' layers[:40] (before:
    the preset trained from timm block3, Keras block4)."""
    timm = pytest.importorskip("timm")
    from envkit.train.stages import Stages

    wl = wlmod.load("aides")
    mod = wl.module
    net = timm.create_model("legacy_xception", pretrained=False, num_classes=2)
    modules = dict(net.named_modules())
    keras = mod.keras_layers()
    mapped = [(k, mod.keras_to_timm(k)) for k in keras if mod.keras_to_timm(k) is not None]
    timm_order = list(dict.fromkeys(n.rsplit(".", 1)[0].rsplit(".conv1", 1)[0].rsplit(".pointwise", 1)[0]
                                    for n, _ in net.named_parameters() if not n.startswith("fc")))
    for k, t in mapped:  # Keras block K (2-13) is timm block K - 1 (Keras lists a residual conv after the
        # separable ones, timm registers it first: the order differs inside a block, not across blocks)
        if k.startswith("block") and 2 <= int(k[5:].split("_")[0]) <= 13:
            assert t.startswith(f"block{int(k[5:].split('_')[0]) - 1}."), (k, t)
    assert len({t for _, t in mapped}) == len(mapped) == len(timm_order)  # one to one, none left out
    for k, t in mapped:
        m = modules[t]
        out = m.num_features if isinstance(m, torch.nn.BatchNorm2d) else \
            (m.pointwise.out_channels if hasattr(m, "pointwise") else m.out_channels)
        if k.startswith("block"):
            assert out == _keras_filters(k), (k, t, out)
    assert keras.index("block5_sepconv2") == 40 and mod.keras_to_timm("block5_sepconv2") == "block4.rep.4"
    stage = wl.preset("paper")["stages"][1]
    assert stage["train_from"] == "net.block4.rep.4"
    model = mod.build_model({"num_classes": 2})
    st = Stages([{"epochs": 1, "train_from": stage["train_from"]}], model)
    frozen = {n.rsplit(".", 1)[0].removeprefix("net.") for n, _ in st.frozen(0)}
    frozen = {f.removesuffix(".conv1").removesuffix(".pointwise") for f in frozen}
    want = {mod.keras_to_timm(k) for k in keras[:40]} - {None}
    assert frozen == want
    assert wl.preset("paper")["stages"][2]["train_from"] == "net." + mod.keras_to_timm(keras[2])


def test_early_stopping_ends_the_stage_not_the_run(tmp_path, tiny):
    """lr 0: val_loss never improves, so EarlyStopping(1) fires after each stage's second epoch; the next
    stage still runs (DL_DES: new callbacks per fit). Before: the run ended in the first stage."""
    import json

    from envkit.train import runner
    from envkit.train.config import parse_args

    runner.run(parse_args([tiny, "--results", str(tmp_path), "--run-id", "s", "--epochs", "7", "--set", "lr=0",
                           "--set", "stages=[{epochs: 4}, {epochs: 3}]", "--set", "early_stop_patience=1"]))
    m = json.loads((tmp_path / "s" / "metrics.json").read_text())
    assert [h["epoch"] for h in m["epochs"]] == [0, 1, 4, 5]
    assert m["epochs"][1]["early_stopped_stage"] == 1


def test_lr_scaled_with_workers(tmp_path, tiny):
    """scale_lr: workers is DL_DES's Adam(lr=0.0001*hvd.size()): the learning rate is lr x ranks."""
    import json

    from envkit.train import runner
    from envkit.train.config import parse_args

    runner.run(parse_args([tiny, "--steps", "2", "--results", str(tmp_path), "--run-id", "w",
                           "--set", "scale_lr=workers", "--set", "lr=0.01", "--batch", "4"]))
    assert json.loads((tmp_path / "w" / "metrics.json").read_text())["lr"] == pytest.approx(0.01)
    wl = wlmod.load("aides")
    paper = wl.preset("paper")
    assert paper["scale_lr"] == "workers" and paper["lr"] == 1e-4
    assert (paper["plateau_factor"], paper["plateau_patience"], paper["early_stop_patience"]) == (0.5, 2, 3)


def test_aigw_input_keeps_the_amplitude():
    """The model input is r h22 / M as the authors trained on: |h22| peaks near 0.4 for equal masses
    (numerical relativity: about 0.39) and falls with q, so the amplitude carries q: a cubic fit of q
    on the peak amplitude alone predicts held-out q far better than the mean. Before: every waveform
    was scaled to peak 1."""
    pytest.importorskip("lalsimulation")
    from envkit.data import aigw

    assert 0.37 < np.abs(aigw.waveform(1.0, 0.0, 0.0)).max() < 0.42
    p = aigw.sample_parameters(80, seed=5)
    peak = np.array([np.abs(aigw.waveform(*row)).max() for row in p])
    train, test = slice(0, 60), slice(60, 80)
    fit = np.polyfit(peak[train], p[train, 0], 3)
    mae = np.abs(np.polyval(fit, peak[test]) - p[test, 0]).mean()
    mean_mae = np.abs(p[train, 0].mean() - p[test, 0]).mean()
    print(f"q from peak amplitude: MAE {mae:.3f}, predicting the mean {mean_mae:.3f}")
    assert mae < 0.5 * mean_mae


def test_overlap_flat_and_psd_weighted_both_labelled():
    """The overlap comes twice, each saying what it is: flat PSD (as trained) and aLIGO-weighted at a
    stated total mass; exact parameters give 1, a wrong q less (before: flat only)."""
    pytest.importorskip("lalsimulation")
    from envkit.evaluate import gw

    true = np.array([[2.0, 0.1, -0.2, 0.0, 0.0], [5.0, 0.3, 0.3, 0.0, 0.0]])
    pred = true.copy()
    pred[1, 0] = 3.0
    rep = gw.overlaps(pred, true, 2048)
    assert "flat" in rep["noise"] and "aLIGO" in rep["psd_weighted"]["noise"]
    assert rep["psd_weighted"]["total_mass_msun"] == 60.0
    for part in (rep, rep["psd_weighted"]):
        assert part["values"][0] == pytest.approx(1.0, abs=1e-6) and part["values"][1] < 0.99


@pytest.mark.slow
def test_envkit_run_results_after_dashdash(tmp_path):
    """`envkit run ... -- --results DIR`: the metrics are read where the runner wrote them (before:
    exit 2, "no metrics from the run", envkit looked in ./results)."""
    import json

    from wl_helpers import run

    out = tmp_path / "elsewhere"
    cli = [sys.executable, "-c", "import sys; from envkit.cli import main; sys.exit(main())"]
    proc = run([*cli, "run", "--site", "local", "aigw", "--native", "--json", "--",
                "--steps", "2", "--set", "test_at_end=false", "--results", str(out), "--run-id", "r"],
               check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["results_dir"] == str((out / "r").resolve()) and (out / "r" / "metrics.json").is_file()


def test_batchnorm_recalibration_independent_of_rank_count():
    """bn_recalibrate: the running statistics come out the same on 1 and on 2 ranks (before: each
    rank used its own shard, and validation scored with rank 0's: smoke validation depended on the
    rank count)."""
    import contextlib
    from types import SimpleNamespace

    from envkit.train.validate import recalibrate_batchnorm

    x = torch.randn(64, 3) * torch.arange(1, 65.0)[:, None]
    stats = []
    for world in (1, 2):
        model = torch.nn.Sequential(torch.nn.BatchNorm1d(3))
        src = sources.DeviceSource(x, torch.zeros(64), batch=8, rank=0, world_size=world, seed=1)
        state = SimpleNamespace(hp={"bn_recalibrate": 3, "batch": 8}, raw=model, train_src=src, batch=8,
                                amp=contextlib.nullcontext, stages=None)
        recalibrate_batchnorm(state)
        stats.append(model[0].running_mean.clone())
    assert torch.allclose(stats[0], stats[1])


def test_metrics_say_how_numbers_were_measured(tmp_path, tiny):
    """metrics.json: data loading in or out, checkpoint time out of time_s and beside it, a resumed
    epoch marked partial with its first step (before: none of these fields)."""
    import json

    from envkit.train import runner
    from envkit.train.config import parse_args

    args = [tiny, "--epochs", "2", "--results", str(tmp_path), "--run-id", "m", "--checkpoint-every", "3"]
    runner.run(parse_args([args[0], "--steps", "5", *args[3:]]))
    runner.run(parse_args([*args, "--resume"]))
    m = json.loads((tmp_path / "m" / "metrics.json").read_text())
    assert m["measured"]["data_loading"].startswith("excluded")
    assert "checkpoint writes excluded" in m["measured"]["time_per_epoch_s"]
    resumed = [e for e in m["epochs"] if e["first_step"] == 5]
    assert resumed and resumed[0]["partial"] and resumed[0]["steps"] == m["steps_per_epoch"] - 5
    assert all(e["checkpoint_s"] >= 0 for e in m["epochs"]) and any(e["checkpoint_s"] > 0 for e in m["epochs"])


def test_aigw_grid_layout_tests_on_midpoints(tmp_path):
    """layout grid:DQ,DS: training on a regular grid, testing on the cell midpoints (no test point on the
    grid), beside the random splits (before: random draws only)."""
    h5py = pytest.importorskip("h5py")
    pytest.importorskip("lalsimulation")
    from envkit.data import aigw

    m = aigw.generate(0, tmp_path, preset="smoke", workers=1, layout="grid:3.5,0.8")
    assert {s: v["n"] for s, v in m["splits"].items()} == {"train": 25, "val": 2, "test": 8}
    with h5py.File(tmp_path / "train.h5") as f, h5py.File(tmp_path / "test.h5") as g:
        train, test = f["params"][:, :3], g["params"][:, :3]
    assert np.isin(np.round(train[:, 0], 3), [1.0, 4.5, 8.0]).all()
    assert np.isin(np.round(test[:, 0], 3), [2.75, 6.25]).all() and np.allclose(np.abs(test[:, 1:]), 0.4)


def test_workload_yaml_read_strictly(tmp_path):
    """One strict reader for workload.yaml: a duplicate key (a preset value given twice, the second
    silently winning) is a one-line error with its line (before: the runner's untyped reader took it)."""
    from wl_helpers import FIXTURES

    wl = tmp_path / "dup"
    wl.mkdir()
    (wl / "model.py").write_text((FIXTURES / "tiny" / "model.py").read_text())
    (wl / "workload.yaml").write_text("name: dup\ndescription: d\npresets:\n  smoke:\n    lr: 0.1\n    lr: 0.2\n")
    with pytest.raises(wlmod.WorkloadError, match=r"workload.yaml:6: .*duplicate key 'lr'"):
        wlmod.load(str(wl))
