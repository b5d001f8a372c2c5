"""`envkit docs` on the command line: stdout, -o DIR, --all with an index, and its errors."""

from __future__ import annotations

from pathlib import Path

from envkit.profile import list_sites


def test_writes_one_file_with_o(envkit_cli, tmp_path: Path) -> None:
    proc = envkit_cli("docs", "--site", "hal", "--format", "html", "-o", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["hal.html"]


def test_all_writes_pages_and_an_index(envkit_cli, tmp_path: Path) -> None:
    for fmt in ("md", "html"):
        out = tmp_path / fmt
        proc = envkit_cli("docs", "--all", "--format", fmt, "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        sites = list_sites()
        assert sorted(p.name for p in out.iterdir()) == sorted([*(f"{s}.{fmt}" for s in sites), f"index.{fmt}"])
        index = (out / f"index.{fmt}").read_text()
        for site in sites:
            link = f'href="{site}.html"' if fmt == "html" else f"]({site}.md)"
            assert link in index


def test_bad_site_is_one_line_exit_2(envkit_cli) -> None:
    proc = envkit_cli("docs", "--site", "no-such-site")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("error: unknown site 'no-such-site'")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_bad_format_and_bad_choice_exit_2(envkit_cli) -> None:
    for args in (("--site", "hal", "--format", "pdf"), ("--site", "hal", "--all"), ()):
        proc = envkit_cli("docs", *args)
        assert proc.returncode == 2, args
        assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, args
