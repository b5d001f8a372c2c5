"""One validation (issue #21): every refusal render, run, submit or docs can give for a profile, `envkit site
validate` gives too, so a profile that validates renders; and `extends:` resolves the same wherever one stands."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from envkit_cli import run_inprocess

from envkit.profile import load_profile

SHIPPED = Path(__file__).resolve().parents[2] / "site-profiles"

# name -> (YAML that breaks a valid child of `local` or `delta`, the fragment every refusal names)
CASES: dict[str, tuple[str, str, str]] = {
    "unknown-base": ("local", "base: no-such-base\n", "unknown base 'no-such-base'"),
    "no-platform-aarch64-cuda12": ("delta", "cpu:\n  arch: aarch64\n", "no image for aarch64 with CUDA 12.4"),
    "no-platform-ppc64le-cpu": ("local", "cpu:\n  arch: ppc64le\n", "no image for ppc64le with CUDA none"),
    "amd-gpu": ("local", "gpu:\n  vendor: amd\n  model: MI250X\n  memory_gb: 64\n  per_node: 8\n",
                "an AMD GPU site needs a rocm section"),
    "amd-rocm-without-platform": ("local", "gpu:\n  vendor: amd\n  model: MI250X\n  memory_gb: 64\n  per_node: 8\n"
                                  "rocm:\n  version: \"5.7\"\n  source: test\n", "no image for x86_64 with ROCm 5.7"),
    "intel-gpu": ("local", "gpu:\n  vendor: intel\n  model: Max-1550\n  memory_gb: 128\n  per_node: 6\n",
                  "Intel GPUs are not supported"),
    "srun-without-slurm": ("local", "launcher:\n  kind: srun\n", "srun needs a Slurm scheduler"),
    "mpirun-for-mpich": ("local-mpich", "launcher:\n  kind: mpirun\n", "cannot start mpich ranks"),
    "ibrun-without-slurm": ("local", "launcher:\n  kind: ibrun\n", "ibrun needs scheduler.kind: slurm"),
    "bind-image-newer": ("local-mpich", 'mpi:\n  model: bind\n  install: source\n  image_version: "4.1.2"\n'
                         '  library_path: ["/opt/host-mpich/lib"]\n  bind_paths: ["/opt/host-mpich"]\n',
                         "is newer than the host mpich's MPICH base 4.0.2"),
}
COMMANDS = {
    "render": ("render", "--site", "{p}", "--layer", "base"),
    "run": ("run", "--site", "{p}", "aigw", "--dry-run"),
    "submit": ("submit", "--site", "{p}", "aigw", "--dry-run"),
    "docs": ("docs", "--site", "{p}"),
}


def _case(tmp_path: Path, name: str) -> Path:
    parent, body, _ = CASES[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\nextends: {SHIPPED / parent}.yaml\n{body}")
    return path


@pytest.mark.parametrize("name", sorted(CASES))
def test_validate_refuses_whatever_the_other_commands_refuse(tmp_path: Path, name: str) -> None:
    path = _case(tmp_path, name)
    os.chdir(tmp_path)   # run and submit write nothing on a dry run; any stray output lands here
    refused = {}
    for command, argv in COMMANDS.items():
        result = run_inprocess(*(a.format(p=path) for a in argv))
        assert "Traceback" not in result.err
        refused[command] = result.code == 2
    assert any(refused.values()), f"{name}: no command refuses it, so it is not a case"
    check = run_inprocess("site", "validate", str(path))
    assert check.code == 2, (name, refused, check.output)
    assert len(check.err.strip().splitlines()) == 1 and CASES[name][2] in check.err, check.err


def test_a_profile_that_validates_renders_every_shipped_site() -> None:
    for path in sorted(SHIPPED.glob("*.yaml")):
        assert run_inprocess("site", "validate", str(path)).code == 0, path
        assert run_inprocess("render", "--site", str(path), "--layer", "base").code == 0, path


def test_extends_name_looks_in_the_childs_folder_first(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "mybase.yaml").write_text((SHIPPED / "local.yaml").read_text().replace("name: local", "name: mybase"))
    (mine / "child.yaml").write_text("name: child\nextends: mybase\ntitle: a child of a sibling\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.chdir(elsewhere)   # not where the profiles are, and mybase is on no search path
    assert load_profile(str(mine / "child.yaml")).title == "a child of a sibling"


def test_extends_path_is_relative_to_the_child_file(tmp_path: Path) -> None:
    (tmp_path / "parents").mkdir()
    (tmp_path / "children").mkdir()
    (tmp_path / "parents" / "p.yaml").write_text((SHIPPED / "local.yaml").read_text().replace("name: local",
                                                                                            "name: p"))
    child = tmp_path / "children" / "c.yaml"
    child.write_text("name: c\nextends: ../parents/p.yaml\ntitle: relative to me\n")
    for cwd in (tmp_path, tmp_path / "children", tmp_path / "parents"):
        os.chdir(cwd)
        assert load_profile(str(child)).title == "relative to me"
