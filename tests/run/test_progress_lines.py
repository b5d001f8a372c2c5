"""Progress in a job log: plain lines, one per interval, each tagged with its rank when several ranks run."""

from __future__ import annotations

import io

import pytest

from envkit.train.progress import Progress


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_file_gets_one_plain_line_per_interval_with_the_rank() -> None:
    out = io.StringIO()
    p = Progress(total=10, every=5, stream=out, rank=1, world_size=2)
    for step in range(1, 11):
        p.update(step, f"loss {1 / step:.2f}")
    p.close()
    assert out.getvalue() == "[rank 1/2] step 5/10 loss 0.20\n[rank 1/2] step 10/10 loss 0.10\n"
    assert "\x1b" not in out.getvalue() and "\r" not in out.getvalue()


def test_a_launched_rank_never_redraws_even_on_a_pseudo_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm")
    for name in ("OMPI_COMM_WORLD_RANK", "SLURM_PROCID", "JSM_NAMESPACE_RANK", "PMI_RANK", "PMIX_RANK", "RANK"):
        monkeypatch.delenv(name, raising=False)
    assert Progress(total=4, stream=FakeTty()).tty  # a person at a terminal gets the live line
    monkeypatch.setenv("OMPI_COMM_WORLD_RANK", "0")
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "2")
    out = FakeTty()
    p = Progress(total=4, every=2, stream=out)
    for step in range(1, 5):
        p.update(step, "x")
    assert not p.tty and out.getvalue() == "[rank 0/2] step 2/4 x\n[rank 0/2] step 4/4 x\n"


def test_one_process_has_no_rank_tag() -> None:
    out = io.StringIO()
    Progress(total=1, stream=out, tty=False, rank=0, world_size=1).update(1, "done")
    assert out.getvalue() == "step 1/1 done\n"
