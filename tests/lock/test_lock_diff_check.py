"""`envkit diff` (manifests, runs, locks), the hash-failure line, and verify's lock check. Fast, no engine."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from envkit.lock.check import hash_failure
from envkit.lock.diff import diff_sources
from envkit.lock.files import load_site_lock
from envkit.store.image_manifest import lock_drift_lines

REPO = Path(__file__).resolve().parents[2]
LOCKS = REPO / "containers" / "local" / "locks"

PIP_LOG = """\
Collecting rich==15.0.0 (from -r /opt/envkit/locks/workload.txt (line 8))
ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE. If you have updated the package \
versions, please update the hashes. Otherwise, examine the package contents carefully; someone may have \
tampered with them.
    rich==15.0.0 from https://files.pythonhosted.org/packages/aa/bb/rich-15.0.0-py3-none-any.whl#sha256=33bd:
        Expected sha256 0000000000000000000000000000000000000000000000000000000000000000
             Got        33bd4ef74232fb73fe9279a257718407f169c09b78a87ad3d296f548e27de0bb
"""


def _image_manifest(layer: str) -> dict:
    """What a correct build of the local workload layer holds: the base's and the layer's locks, and envkit; not
    Horovod, locked with the base but installed by the Horovod layer only."""
    lock = load_site_lock("local")
    assert lock is not None
    base = {n: v for n, v in lock.layers["base"].pins().items() if n != "horovod"}
    pip = {**base, **lock.layers[layer].pins(), "envkit": "0.1.0"}
    return {"tag": f"envkit-local-{layer.removeprefix('workload-')}", "cache_key": "k" * 64, "pip": pip,
            "dpkg": {"bash": "5.2.15-2+b7"}}


def test_hash_failure_names_the_package_in_one_line() -> None:
    line = hash_failure(PIP_LOG)
    assert line is not None and "\n" not in line
    assert line.startswith("rich 15.0.0: the downloaded file does not match the sha256 in the lock")
    assert hash_failure("ERROR: No matching distribution found for foo") is None


def test_diff_of_a_lock_and_a_matching_manifest_is_identical(tmp_path: Path) -> None:
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps(_image_manifest("workload-aigw")))
    changes, _, _ = diff_sources(str(LOCKS / "pylock.workload-aigw.toml"), str(manifest))
    assert changes == []


def test_diff_names_added_removed_changed_python_and_apt(tmp_path: Path) -> None:
    a, b = _image_manifest("workload-aigw"), _image_manifest("workload-aigw")
    b["pip"]["scipy"] = "0.1"
    del b["pip"]["tqdm"]
    b["pip"]["extra-thing"] = "1.0"
    b["dpkg"]["bash"] = "5.2.15-2+b8"
    (tmp_path / "a.json").write_text(json.dumps(a))
    (tmp_path / "b.json").write_text(json.dumps(b))
    proc = subprocess.run([sys.executable, "-m", "envkit.cli", "diff", str(tmp_path / "a.json"),
                           str(tmp_path / "b.json")], capture_output=True, text=True)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert f"python scipy: {a['pip']['scipy']} -> 0.1" in lines
    assert f"python tqdm: {a['pip']['tqdm']} -> removed" in lines
    assert "python extra-thing: added 1.0" in lines
    assert "apt bash: 5.2.15-2+b7 -> 5.2.15-2+b8" in lines
    assert lines[-1].endswith(": 1 added, 1 removed, 2 changed")


def test_diff_finds_a_runs_image_by_the_manifest_hash_in_its_metrics(tmp_path: Path) -> None:
    store = tmp_path / "store" / "charliecloud"
    store.mkdir(parents=True)
    text = json.dumps(_image_manifest("workload-resnet50"), indent=2)
    (store / "envkit-local-resnet50.manifest.json").write_text(text)
    run = tmp_path / "results" / "run-1"
    run.mkdir(parents=True)
    (run / "metrics.json").write_text(json.dumps({"status": "finished", "workload": "resnet50", "world_size": 1,
                                                  "manifest_hash": hashlib.sha256(text.encode()).hexdigest()[:16]}))
    changes, _, label = diff_sources(str(LOCKS / "pylock.workload-resnet50.toml"), str(run), store=tmp_path / "store")
    assert changes == [] and "envkit-local-resnet50" in label


def test_a_lock_stands_for_an_image_without_the_horovod_layer(tmp_path: Path) -> None:
    with_horovod = _image_manifest("workload-aigw")
    with_horovod["pip"]["horovod"] = load_site_lock("local").layers["base"].pins()["horovod"]  # type: ignore[union-attr]
    (tmp_path / "h.json").write_text(json.dumps(with_horovod))
    changes, _, _ = diff_sources(str(LOCKS / "pylock.workload-aigw.toml"), str(tmp_path / "h.json"))
    assert [(c.name, c.old) for c in changes] == [("horovod", None)]


def test_verify_names_a_package_that_differs_from_the_lock() -> None:
    pip = _image_manifest("workload-aigw")["pip"]
    assert lock_drift_lines("local", ["base", "workload-aigw"], pip) == []
    pip["numpy"] = "1.0.0"
    del pip["scipy"]
    lines = lock_drift_lines("local", ["base", "workload-aigw"], pip)
    locked = load_site_lock("local").layers  # type: ignore[union-attr]
    assert lines == [f"lock: numpy: locked {locked['base'].pins()['numpy']}, image has 1.0.0",
                     f"lock: scipy: locked {locked['workload-aigw'].pins()['scipy']}, missing from the image"]
