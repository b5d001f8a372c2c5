"""The definition parts an export reads (envkit.recipe.formats.definition_parts) against an independent parser.

envkit renders each part from its own block of the template and never parses a definition; here spython's
SingularityParser reads the whole rendered text of every layer of every shipped site and must find the same
Bootstrap/From, %help, %environment, %test and %runscript. spython parses to convert to a Dockerfile, so it
normalises what it reads: each comparison below says what spython gives and compares that.
spython keeps only stripped, non-empty lines, so a second check takes each part's place in the text
verbatim, by Apptainer's rule (pkg/build/types/parser/deffile.go, scanDefinitionFile: a section's body
is every line after its `%name` line up to the next line whose first word starts with `%`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from spython.main.parse.parsers import SingularityParser

from envkit.recipe.formats import DefinitionParts, definition_parts
from envkit.recipe.goldens import shipped_sites
from envkit.recipe.layers import kinds_upto, layer_of
from envkit.recipe.model import Layer
from envkit.recipe.workload_spec import list_workloads
from envkit.resources import shipped

SECTIONS = ("help", "environment", "test", "runscript")


class _Spython(SingularityParser):
    """spython's parser with one change: spython 0.3.14 refuses every Bootstrap agent but docker (it converts to
    Dockerfiles) in `_check_bootstrap`, which it calls with each line it takes for a Bootstrap line; this records
    those lines instead, so a `localimage` layer parses as it is. Everything else is spython's own parse."""

    def __init__(self, filename: str) -> None:
        self.bootstrap_lines: list[str] = []
        super().__init__(filename)

    def _check_bootstrap(self, line: str) -> None:
        self.bootstrap_lines.append(line)


def _lines(body: str) -> list[str]:
    """What spython keeps of a section: its lines stripped, the empty ones left out."""
    return [line.strip() for line in body.splitlines() if line.strip()]


def _placement(parts: DefinitionParts) -> list[str]:
    """Each section part exactly where Apptainer's parser would take it from `parts.text` (whitespace included)."""
    found = []
    for name in SECTIONS:
        body = getattr(parts, name)
        marker = f"\n%{name}\n"
        if parts.text.count(marker) != (1 if body else 0):
            found.append(f"%{name}: {parts.text.count(marker)} `%{name}` lines in the text for a body of {body!r}")
            continue
        if not body:
            continue
        after = parts.text[parts.text.index(marker) + len(marker):]
        rest = after[len(body):]
        if not after.startswith(body) or not (rest == "" or rest.startswith("%")):
            found.append(f"%{name}: the text after `%{name}` is not the part up to the next section: "
                         f"{after[:len(body) + 20]!r} vs {body!r}")
        if any(line.split() and line.split()[0].startswith("%") for line in body.splitlines()):
            found.append(f"%{name}: a line of the part would start a new section")
    return found


def _disagreements(parts: DefinitionParts, tmp_path: Path) -> list[str]:
    """Where spython's reading of `parts.text` differs from the parts (empty: they agree)."""
    path = tmp_path / "layer.def"
    path.write_text(parts.text)
    parser = _Spython(str(path))
    (recipe,) = parser.recipe.values()
    found = _placement(parts)

    def differ(what: str, spython_gives: object, parts_give: object) -> None:
        if spython_gives != parts_give:
            found.append(f"{what}: spython {spython_gives!r}, parts {parts_give!r}")

    # Header: the Bootstrap line(s) spython found, read as it reads `From:` (the key cut, the rest stripped);
    # spython lower-cases the From value (fromHeader), so the part's is compared lower-cased.
    bootstraps = [re.sub("bootstrap:", "", line, flags=re.IGNORECASE).strip() for line in parser.bootstrap_lines]
    differ("Bootstrap", bootstraps, [parts.header["bootstrap"]])
    differ("From", recipe.fromHeader, parts.header["from"].lower())
    # %environment: spython keeps the lines with `=`, `export ` cut off (envkit writes one export a line).
    differ("%environment", recipe.environ, [line.removeprefix("export").strip() for line in _lines(parts.environment)])
    # %test: spython files the section's leading comment lines under comments (as `# ` + the line without its #)
    # and turns the rest into `echo "LINE" >> /tests.sh` lines of its install list.
    test = _lines(parts.test)
    leading = []
    while test and test[0].startswith("#"):
        leading.append(test.pop(0))
    differ("%test", [line for line in recipe.install if line.endswith(" >> /tests.sh")],
           [f'echo "{line}" >> /tests.sh' for line in test])
    differ("%test comments", [c for c in (parser._comment(line) for line in leading) if c not in recipe.comments], [])
    # %help: spython files each line under comments, `# ` + the line: the help lines, in order, one run of them.
    wanted = [parser._comment(line) for line in _lines(parts.help)]
    runs = [recipe.comments[i:i + len(wanted)] for i in range(len(recipe.comments))]
    differ("%help", wanted if wanted in runs else recipe.comments, wanted)
    # %runscript: one line becomes spython's cmd (no section: None); more would go to an entrypoint script.
    runscript = _lines(parts.runscript)
    assert len(runscript) <= 1, "envkit renders one-line runscripts: extend this check for more"
    differ("%runscript", recipe.cmd, runscript[0] if runscript else None)
    return found


def _shipped_layers(monkeypatch: pytest.MonkeyPatch, site: str) -> list[tuple[str, Layer]]:
    """Every layer the goldens render for `site` (base, site, horovod, one per bundled workload), shipped files
    only (as envkit.recipe.goldens does)."""
    for name in ("ENVKIT_PROFILE_PATH", "ENVKIT_WORKLOADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ENVKIT_HOME", str(shipped()))
    from envkit.profile import load_profile

    profile = load_profile(site)
    layers = [(str(kind), layer_of(profile, kind)) for kind in kinds_upto("horovod", None)]
    layers += [(f"workload-{name}", layer_of(profile, "workload", name)) for name in list_workloads()]
    return layers


@pytest.mark.parametrize("site", shipped_sites())
def test_spython_reads_the_parts_from_the_text(site: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    layers = _shipped_layers(monkeypatch, site)
    assert [label for label, _ in layers][:3] == ["base", "site", "horovod"] and len(layers) > 3
    seen: set[str] = set()
    for label, layer in layers:
        parts = definition_parts(layer, site)
        seen.update(name for name in SECTIONS if _lines(getattr(parts, name)))
        assert _disagreements(parts, tmp_path) == [], f"{site} {label}"
    assert seen == set(SECTIONS)          # each part is compared with something (the workloads have %runscript)


def _local_site_parts() -> DefinitionParts:
    from envkit.profile import load_profile
    from envkit.recipe.layers import site_layer

    return definition_parts(site_layer(load_profile("local")), "local")


@pytest.mark.parametrize(("tamper", "what"), [
    (lambda p: replace(p, environment=p.environment + "    export EXTRA=1\n"), "%environment"),
    (lambda p: replace(p, test=p.help), "%test"),
    (lambda p: replace(p, help="    another image\n\n"), "%help"),
    (lambda p: replace(p, runscript="    /bin/true\n"), "%runscript"),
    (lambda p: replace(p, header={**p.header, "from": "elsewhere.sif"}), "From"),
    (lambda p: replace(p, header={**p.header, "bootstrap": "docker"}), "Bootstrap"),
    (lambda p: replace(p, help=p.help.rstrip("\n") + "\n"), "%help: the text after"),    # whitespace only
    (lambda p: replace(p, text=p.text.replace("\n%environment\n", "\n%environment\n    export EXTRA=1\n")),
     "%environment"),
], ids=["environment", "test", "help", "runscript", "from", "bootstrap", "help-blank-line", "text"])
def test_the_comparison_catches_a_wrong_part(tamper: Callable[[DefinitionParts], DefinitionParts], what: str,
                                               tmp_path: Path) -> None:
    parts = _local_site_parts()
    assert _disagreements(parts, tmp_path) == []
    found = _disagreements(tamper(parts), tmp_path)
    assert any(line.startswith(what) for line in found), found
