"""`envkit doctor --bundle`: the archive's members, planted secrets redacted, bounded size, atomic write."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from envkit_cli import run_inprocess

from envkit.profile import load_profile
from envkit.ticket.bundle import MEMBER_LIMIT, ROOT, write_bundle
from envkit.ticket.redact import redact

TOKEN = "hf_PlantedTokenValue1234567890abcdef"
EXPECTED = {"envkit.txt", "profile.yaml", "profile-hash.txt", "image-manifest.json", "lock-hash.txt", "doctor.json",
            "env.txt", "host/os-release.txt", "host/uname.txt", "host/nvidia-smi-q.txt", "host/nvidia-smi-topo.txt",
            "host/fi_info.txt", "host/ucx_info.txt", "host/dev-shm.txt", "host/ulimits.txt", "host/module-list.txt",
            "README.txt"}


def read_all(path: Path) -> dict[str, str]:
    with tarfile.open(path) as tar:
        return {m.name.removeprefix(f"{ROOT}/"): tar.extractfile(m).read().decode()  # type: ignore[union-attr]
                for m in tar.getmembers()}


def test_cli_bundle_lists_members_and_redacts_a_planted_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = tmp_path / "results" / "aigw-1"
    run.mkdir(parents=True)
    (run / "job.log").write_text(f"step 1\nexport HF_TOKEN={TOKEN}\nNCCL WARN Bootstrap : no socket interface found\n")
    monkeypatch.setenv("SLURM_JOB_ID", "4242")
    monkeypatch.setenv("NCCL_DEBUG", "INFO")
    monkeypatch.setenv("NCCL_IB_PASSWORD_FILE_SECRET", "s3cr3t-value")
    out = tmp_path / "ticket.tar.gz"
    result = run_inprocess("doctor", "--site", "local", "--bundle", str(out), "--log", str(run))
    assert out.is_file(), result.err
    assert f"wrote {out}" in result.err
    files = read_all(out)
    assert set(files) == EXPECTED | {"logs/00-aigw-1-job.log.tail"}
    everything = "".join(files.values())
    assert TOKEN not in everything and "s3cr3t-value" not in everything
    assert "HF_TOKEN=[REDACTED]" in files["logs/00-aigw-1-job.log.tail"]
    assert "no socket interface found" in files["logs/00-aigw-1-job.log.tail"]
    assert "SLURM_JOB_ID=4242" in files["env.txt"] and "NCCL_DEBUG=INFO" in files["env.txt"]
    assert files["envkit.txt"].startswith("envkit 0.1.0")
    assert "name: local" in files["profile.yaml"] and len(files["profile-hash.txt"].strip()) >= 8
    assert '"findings"' in files["doctor.json"]
    assert "2 secret value(s)" in files["README.txt"]
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ticket")] == []   # no temporary left


def test_members_are_bounded(tmp_path: Path) -> None:
    log = tmp_path / "huge.log"
    log.write_text("x" * (3 * MEMBER_LIMIT) + "\nthe last line\n")
    out = tmp_path / "t.tar.gz"
    written = write_bundle(out, load_profile("local"), {"ok": True}, None, [log], environ={})
    files = read_all(out)
    tail = next(v for k, v in files.items() if k.startswith("logs/"))
    assert tail.endswith("the last line\n") and len(tail) < MEMBER_LIMIT + 100
    assert tail.startswith("[first ")
    assert files["image-manifest.json"].startswith("skipped: no image built for site local")
    assert written.size == out.stat().st_size


@pytest.mark.parametrize(("text", "secret"), [
    ("password: hunter2", "hunter2"),
    ("Authorization: Bearer abcdefghijklmnopqrstuvwx", "abcdefghijklmnopqrstuvwx"),
    ("git clone https://alice:ghp_abcdefghijklmnopqrstuvwxyz0123@github.com/x", "ghp_abcdefghijklmnopqrstuvwxyz0123"),
    ("AWS key AKIAABCDEFGHIJKLMNOP in a log", "AKIAABCDEFGHIJKLMNOP"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----", "b3BlbnNzaC1rZXk"),
    ("WANDB_API_KEY='abc def'", "abc def"),
])
def test_redact_patterns(text: str, secret: str) -> None:
    clean, n = redact(text)
    assert secret not in clean and "[REDACTED]" in clean and n >= 1


def test_redact_leaves_ordinary_lines() -> None:
    line = "NCCL INFO NET/Socket : Using [0]ib0:10.1.0.3<0>; NCCL_SOCKET_IFNAME=ib0 keyboard=us"
    assert redact(line) == (line, 0)
