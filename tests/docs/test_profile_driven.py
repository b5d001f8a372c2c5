"""Pages are deterministic and follow the profile: change one value, the page changes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from envkit.docs import site_page, write_all
from envkit.errors import EnvkitError


def test_regenerates_identically(tmp_path: Path) -> None:
    for fmt in ("md", "html"):
        assert site_page("summit", fmt) == site_page("summit", fmt)
        write_all(fmt, tmp_path / "a")
        write_all(fmt, tmp_path / "b")
    first = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    second = {p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()}
    assert first == second
    assert not any(re.search(rb"\b(19|20)\d\d-\d\d-\d\d", data) for data in first.values())  # no dates


def test_same_across_processes(envkit_cli) -> None:
    one = envkit_cli("docs", "--site", "bridges-ai", "--format", "html")
    two = envkit_cli("docs", "--site", "bridges-ai", "--format", "html")
    assert one.returncode == 0 and one.stdout == two.stdout


def test_page_follows_an_overridden_value(profile_dir: Path, envkit_cli) -> None:
    (profile_dir / "summit-next.yaml").write_text(
        "name: summit-next\nextends: summit\n"
        "mpi:\n  version: \"10.4.0.6\"\n"
        "gpu:\n  per_node: 4\n"
        "container:\n  build_note: Build on the login node with podman 4\n"
    )
    base, changed = site_page("summit", "md"), site_page("summit-next", "md")
    assert "IBM Spectrum MPI 10.4.0.3" in base and "10.4.0.6" not in base
    assert "IBM Spectrum MPI 10.4.0.6" in changed and "10.4.0.3" not in changed
    assert " -n8 -r4 " in changed and " -n8 -r4 " not in base
    assert "podman 4" in changed
    proc = envkit_cli("docs", "--site", "summit-next")
    assert proc.returncode == 0 and proc.stdout == changed


def test_html_escapes_profile_values(profile_dir: Path) -> None:
    (profile_dir / "hal-x.yaml").write_text(
        "name: hal-x\nextends: hal\ntitle: \"HAL <script>alert(1)</script> & co\"\n"
        "container:\n  build_note: \"Use <b>care</b> & swrun\"\n"
    )
    html = site_page("hal-x", "html")
    assert "<script>" not in html and "<b>care</b>" not in html
    assert "HAL &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "Use &lt;b&gt;care&lt;/b&gt; &amp;" in html


def test_html_is_self_contained() -> None:
    html = site_page("summit", "html")
    assert "<style>" in html
    for needle in ("<link", "<script", "src=", "url(", "@import", "http://", "https://"):
        assert needle not in html, needle


def test_missing_base_platform_is_refused_like_render(profile_dir: Path) -> None:
    # 11.8 now gets the 11.7 platform (chosen by driver compatibility); no ppc64le base has any CUDA 12
    (profile_dir / "hal-cuda122.yaml").write_text(
        "name: hal-cuda122\nextends: hal\ncuda:\n  toolkit: \"12.2\"\n  driver: \"535.54.03\"\n"
    )
    # one validation (issue #21): what render refuses, docs and `site validate` refuse too, at the profile's key
    with pytest.raises(EnvkitError, match=r"hal-cuda122.yaml:4: cuda.toolkit: .*no image for ppc64le with CUDA 12.2"):
        site_page("hal-cuda122", "md")
