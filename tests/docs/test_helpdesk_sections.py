"""Pages that answer tickets: for every shipped site the known-issues, ticket, extend-the-image, bind and
interactive sections are there (Markdown and HTML, in the same order), the contents box lists every section,
and every command is spelt for the site's engine."""

from __future__ import annotations

import re

import pytest

from envkit.docs import site_page
from envkit.profile import load_profile
from envkit.resources import shipped

SHIPPED = sorted(p.stem for p in (shipped() / "site-profiles").glob("*.yaml"))
REQUIRED = ("known-issues", "ticket", "extend", "bind", "interactive")
INTERACTIVE = {"slurm": "salloc --nodes=1", "lsf": "bsub -Is", "pbs": "qsub -I"}


def section(html: str, anchor: str) -> str:
    found = re.search(rf'<section id="{anchor}">(.*?)</section>', html, re.S)
    assert found, anchor
    return found.group(1)


@pytest.mark.parametrize("site", SHIPPED)
def test_ticket_sections_on_every_page(site: str) -> None:
    p = load_profile(site)
    html, md = site_page(site, "html"), site_page(site, "md")
    for anchor in REQUIRED:
        assert f'<section id="{anchor}">' in html and f'<a id="{anchor}"></a>' in md, anchor
    issues = section(html, "known-issues")
    assert issues.count('<details class="issue"') >= 5 and "<code class=\"msg\">" in issues
    assert f"envkit doctor --site {site} --bundle ticket.tar.gz" in section(html, "ticket")
    extend = section(html, "extend")
    if p.container.engine in ("apptainer", "singularity"):
        assert "Bootstrap: localimage\nFrom: envkit-" in extend
    else:
        assert "FROM envkit-" in extend
    assert "PYTHONNOUSERSITE=1" in extend and "envkit base clone" in extend
    assert ("--bind /path/to/your/data:/data" if p.container.engine != "charliecloud" else "-b /path/to/your/data")\
        in section(html, "bind")
    interactive = section(html, "interactive")
    if p.scheduler.kind in INTERACTIVE:
        assert INTERACTIVE[p.scheduler.kind] in interactive
    for line in p.scheduler.interactive:
        assert line in interactive
    # the box at the top points at both
    assert html.index('aria-label="Something is wrong?"') < html.index('<section id="known-issues">')


@pytest.mark.parametrize("site", SHIPPED)
def test_contents_box_is_complete_and_markdown_follows_the_html_order(site: str) -> None:
    html, md = site_page(site, "html"), site_page(site, "md")
    h2_ids = re.findall(r'<section id="([^"]+)">\s*<h2>', html)
    toc = re.search(r'<nav class="toc".*?</nav>', html, re.S).group(0)  # type: ignore[union-attr]
    assert re.findall(r'href="#([^"]+)"', toc) == h2_ids
    assert {"get-the-image", "sources"} <= set(h2_ids)
    md_ids = re.findall(r'^<a id="([^"]+)"></a>\n\n## ', md, re.M)
    assert md_ids == h2_ids
    assert md.startswith("[← All sites](index.md)") and '<a href="index.html">' in html


@pytest.mark.parametrize("site", [s for s in SHIPPED if load_profile(s).container.engine == "singularity"])
def test_singularity_sites_never_show_apptainer_commands(site: str) -> None:
    md = site_page(site, "md")
    blocks = re.findall(r"```sh\n(.*?)```", md, re.S)
    lines = [line for block in blocks for line in block.splitlines()]
    assert lines and not [line for line in lines if re.search(r"(^|\s)apptainer\s", line)]
    assert any(line.startswith("singularity ") for line in lines)


def test_issue_filtering_follows_the_site() -> None:
    summit, hal, local = (site_page(s, "html") for s in ("summit", "hal", "local"))
    assert 'id="issue-summit-cuda-hook"' in summit and 'id="issue-summit-cuda-hook"' not in hal
    assert 'id="issue-lsf-run-limit"' in summit and 'id="issue-slurm-time-limit"' in hal
    assert 'id="issue-nv-files-missing"' not in local            # CPU site on Charliecloud
    assert "HAL: at most 24 h per job" in hal                   # the site's own fix beside the default
