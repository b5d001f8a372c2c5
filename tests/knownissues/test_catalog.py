"""Known issues as data: at least 30, every area covered, each pattern finds its own fixture and no other's."""

from __future__ import annotations

from pathlib import Path

import pytest

from envkit.errors import EnvkitError
from envkit.knownissues import load_catalog, load_issue, scan
from envkit.knownissues.model import CATEGORY_TITLES

LOGS = Path(__file__).parent / "logs"
CATALOG = load_catalog()
IDS = [i.id for i in CATALOG]

# The areas the issue asks for, each named by the id that covers it.
REQUIRED = [
    "nv-files-missing", "loop-devices-exhausted", "fakeroot-no-subuid", "image-cache-full", "bind-source-missing",
    "read-only-file-system", "cuda-driver-too-old", "cuda-no-kernel-image", "cuda-no-device",
    "gpu-duplicate-device", "cuda-out-of-memory", "ompi-direct-launch-no-pmi", "libmpi-not-found",
    "mpi-abi-mismatch", "cray-mpich-fi-getinfo", "summit-cuda-hook", "nccl-unhandled-system-error",
    "nccl-collective-timeout", "nccl-no-socket-interface", "nccl-shm-segment", "nccl-net-plugin-missing",
    "torch-rendezvous-timeout", "torch-address-in-use", "dataloader-shm-bus-error", "slurm-time-limit",
    "lsf-run-limit", "pbs-walltime-exceeded", "envkit-lock-stale",
]


def test_at_least_30_covering_every_area() -> None:
    assert len(CATALOG) >= 30
    assert not set(REQUIRED) - set(IDS)
    assert {i.category for i in CATALOG} == set(CATEGORY_TITLES)


def test_every_issue_has_a_fixture_and_every_fixture_an_issue() -> None:
    assert sorted(p.stem for p in LOGS.glob("*.log")) == sorted(IDS)


@pytest.mark.parametrize("issue_id", IDS)
def test_fixture_is_claimed_by_its_issue_only(issue_id: str) -> None:
    found = [m.issue.id for m in scan((LOGS / f"{issue_id}.log").read_text())]
    assert found == [issue_id]


@pytest.mark.parametrize("issue_id", IDS)
def test_no_other_pattern_claims_its_messages(issue_id: str) -> None:
    issue = next(i for i in CATALOG if i.id == issue_id)
    for message in issue.messages:
        assert [m.issue.id for m in scan(message)] == [issue_id], message


def test_sources_are_public_urls_or_envkit_modules() -> None:
    repo = Path(__file__).resolve().parents[2]
    for issue in CATALOG:
        assert issue.source.startswith("https://") or (
            issue.category == "envkit" and (repo / issue.source.removeprefix("envkit:")).is_file()), issue.id


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


GOOD = """id: {id}
title: T
category: gpu
messages: ["boom 42"]
pattern: 'boom \\d+'
cause: c
fixes: {{default: f}}
ask: [the log]
source: https://example.org/x
"""


def test_reader_accepts_a_good_file(tmp_path: Path) -> None:
    assert load_issue(_write(tmp_path, "x-y", GOOD.format(id="x-y"))).regex.pattern == r"boom \d+"


@pytest.mark.parametrize(("text", "expected"), [
    (GOOD.format(id="x-y") + "colour: red\n", ":10: colour: unknown key"),
    (GOOD.format(id="x-y").replace("boom \\d+", "bang"), "pattern does not match its own message 'boom 42'"),
    (GOOD.format(id="x-y").replace("boom \\d+", "boom ("), "pattern does not compile"),
    (GOOD.format(id="x-y").replace("gpu", "weather"), ":3: category: expected one of"),
    (GOOD.format(id="x-y").replace("https://example.org/x", "http://example.org/x"), "source: value"),
    (GOOD.format(id="other"), "id 'other' must match the file name 'x-y'"),
    ("a: &x [*x]\n", "anchors and aliases"),
])
def test_reader_refuses_with_one_line(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(EnvkitError) as exc:
        load_issue(_write(tmp_path, "x-y", text))
    assert expected in str(exc.value)
    assert "\n" not in str(exc.value) and str(exc.value).startswith(str(tmp_path))
