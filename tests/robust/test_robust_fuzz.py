"""Property-based fuzzing (Hypothesis) of the real loader, renderer and CLI, in-process.

Three generators:

* profiles that are valid YAML with hostile strings in one to three fields (shell payloads that call
  `pwned`, quotes, newlines, control characters, long strings). Each goes through `site validate`,
  `render` and `docs`; every one that validates is rendered (base and site layers, Singularity and
  Docker) and each shell part (%post, %test, %environment, the Docker scripts) is run by a real bash
  in a scratch folder with an empty environment (harness.run_sandboxed): nothing planted may run;
* broken YAML: good.yaml with random edits (YAML punctuation, anchors, tags, deep brackets, control
  characters) through `site validate`;
* command lines: a command that reads input, with options and hostile values (`--dry-run` forced where
  a command would build or launch).

Every run must end with exit 0, 1 or 2, at most 3 error lines, no traceback, no `internal error`, in
under 10 s of CPU (and 60 s of wall time: a hang). CI tries a few hundred examples (about a minute);
ENVKIT_FUZZ_EXAMPLES=N raises the count for a long run (and ENVKIT_FUZZ_LOG=FILE logs each command):
`ENVKIT_FUZZ_EXAMPLES=100000 nice .venv/bin/python -m pytest tests/robust/test_robust_fuzz.py`.
"""

from __future__ import annotations

import contextlib
import copy
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from envkit_cli import run_inprocess
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from envkit.errors import EnvkitError

from .harness import GOOD, PAYLOADS, REPO, ok_outcome, run_sandboxed, shell_sections

SCALE = int(os.environ.get("ENVKIT_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=SCALE or 60, deadline=None, derandomize=not SCALE,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)
FAST = settings(max_examples=SCALE * 4 or 200, deadline=None, derandomize=not SCALE,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)
GOOD_DATA: dict[str, Any] = yaml.safe_load(GOOD.read_text())
GOOD_TEXT = GOOD.read_text()

# Every string-valued place in a profile (None: append to that list / add that key).
FIELDS: list[tuple[str | int, ...]] = [
    ("title",), ("center",), ("cpu", "model"), ("cpu", "source"), ("os", "name"), ("os", "version"),
    ("nodes", "source"), ("gpu", "model"), ("gpu", "link"), ("gpu", "compute_capability"), ("cuda", "cudnn"),
    ("cuda", "source"), ("mpi", "version"), ("mpi", "root"), ("mpi", "bind_paths", 0), ("mpi", "source"),
    ("interconnect", "speed"), ("scheduler", "account"), ("scheduler", "partition"), ("scheduler", "queue"),
    ("scheduler", "walltime"), ("launcher", "args", 0), ("launcher", "gres_type"), ("container", "binds", 0),
    ("container", "build_note"), ("container", "version"), ("modules", 0), ("defaults", "env", "OMP_NUM_THREADS"),
    ("defaults", "env", None), ("base",),
]

# Free-text fields accept `;`, `|`, `&`, `'`, `<`, `>`, `(`, `)`: the payloads most likely to validate and so
# to reach the rendered shell.
TEXT_FIELDS = [("title",), ("center",), ("cpu", "model"), ("cpu", "source"), ("nodes", "source"), ("gpu", "link"),
               ("gpu", "source"), ("mpi", "source"), ("interconnect", "speed"), ("container", "build_note"),
               ("launcher", "source"), ("scheduler", "source")]
TEXT_PAYLOADS = tuple(p for p in PAYLOADS if not set(p) & set("$`\\\"\n\r"))
SHELLISH = st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00")
PUNCT = "$`;|&'\"\\\n\r\t<>(){}[]*?!#~=%^ -_./:,@+"
hostile = st.one_of(
    st.sampled_from(PAYLOADS),
    st.builds(lambda a, p, b: a + p + b, st.text(PUNCT + "abc09", max_size=6), st.sampled_from(PAYLOADS),
              st.text(PUNCT + "xyz", max_size=6)),
    st.text(PUNCT + "abcXYZ019", min_size=1, max_size=40),
    st.text(SHELLISH, min_size=1, max_size=30),
    st.builds(lambda n, s: s * n, st.integers(100, 3000), st.sampled_from(["a", "/", "$", "é", "-"])),
)


def _put(data: dict[str, Any], path: tuple[str | int | None, ...], value: str) -> None:
    """Set one field: `(..., key)` a value, `(..., key, 0)` a one-item list, `(..., None)` a new key."""
    *parents, last = path
    if isinstance(last, int):
        *parents, last = parents
        value_to_set: Any = [value]
    else:
        value_to_set = value
    node: Any = data
    for part in parents:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            return
    if last is None:
        node[value[:64] or "X"] = "1"  # a hostile variable name
    else:
        node[last] = value_to_set


@contextlib.contextmanager
def _scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="envkit-fuzz-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _log(kind: str, outcome: str) -> None:
    """ENVKIT_FUZZ_LOG=FILE: one line per command run (a long run can be counted while it goes)."""
    path = os.environ.get("ENVKIT_FUZZ_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{time.time():.0f} {kind} {outcome}\n")


def _check(args: tuple[str, ...]) -> tuple[int, str]:
    start, cpu_start = time.monotonic(), time.process_time()
    result = run_inprocess(*args)
    took, cpu = time.monotonic() - start, time.process_time() - cpu_start
    _log(" ".join(args[:2]).replace(" --", "").split(" ")[0], f"exit={result.code} s={took:.2f}"
         + (" PROBLEM" if ok_outcome(result.code, result.out, result.err, 10**6) else ""))
    per_file = len(args) - 2 if args[:2] == ("site", "validate") else 0
    why = ok_outcome(result.code, result.out, result.err, max_lines=max(3, per_file))
    assert not why, f"envkit {' '.join(map(repr, args))[:300]}: {why}\n{result.err[-2000:]}"
    # 10 s of CPU; the wall clock only catches hangs (a loaded, shared machine stretches it several-fold)
    assert cpu < 10 and took < 60, f"envkit {args[:3]} took {cpu:.1f} s CPU, {took:.1f} s wall"
    return result.code, result.err


def _sandbox_all(site: str, scratch: Path) -> int:
    """Render every layer/format of a validated profile and run each shell part in the sandbox."""
    from envkit.recipe.site_files import render_files

    ran = 0
    for layer in ("base", "site"):
        for fmt in ("singularity", "docker"):
            try:
                files = render_files(site, layer, None, fmt)  # type: ignore[arg-type]
            except EnvkitError:
                continue  # a renderer may refuse a value: a one-line error is an outcome
            for name, text in files.items():
                parts = shell_sections(text) if name.endswith(".def") else (
                    {name: text} if name.endswith(".sh") else {})
                for part, body in parts.items():
                    pwned, err = run_sandboxed(body, scratch)
                    ran += 1
                    _log("sandbox", "PWNED" if pwned else "clean")
                    assert not pwned, f"{layer}/{fmt}/{name} %{part} ran a planted command:\n{err[-1500:]}"
    return ran


text_hostile = st.builds(lambda a, p, b: a + p + b, st.text("abc ;|&'<>(){}*?!#~=%^-_./:,@+", max_size=8),
                         st.sampled_from(TEXT_PAYLOADS), st.text("xyz ;|&'<>()-", max_size=8))
EDITS = st.one_of(st.lists(st.tuples(st.sampled_from(FIELDS), hostile), min_size=1, max_size=3),
                  st.lists(st.tuples(st.sampled_from(TEXT_FIELDS), text_hostile), min_size=1, max_size=4))


@FUZZ
@given(edits=EDITS)
def test_hostile_field_values_never_run_and_never_crash(edits: list[tuple[tuple[Any, ...], str]]) -> None:
    data = copy.deepcopy(GOOD_DATA)
    for path, value in edits:
        _put(data, path, value)
    with _scratch() as scratch:
        site = scratch / "good.yaml"
        site.write_text(yaml.safe_dump(data, allow_unicode=True, width=10_000))
        code, _ = _check(("site", "validate", str(site)))
        _check(("render", "--site", str(site), "--layer", "site"))
        _check(("docs", "--site", str(site), "--format", "html"))
        event("validated" if code == 0 else "refused")
        if code == 0:
            event(f"shell parts run in the sandbox: {_sandbox_all(str(site), scratch)}")


EDIT_TEXT = st.one_of(
    st.text("-:[]{}&*!|>'\"%@#?,\n\t ab01", min_size=1, max_size=12),
    st.sampled_from(["&a ", "*a", "<<: *a\n", "!!python/object:os.system ", "!!binary ", "\x00", "\x1b", "\ufeff",
                     "[" * 200, "{a: " * 50, "? ", "--- ", "...\n", "%YAML 1.1\n", "9" * 4400, "2023-02-30",
                     "0x" + "f" * 100, ".inf", "~", "\\", "\u2028", "  " * 40]),
)


@FAST
@given(edits=st.lists(st.tuples(st.integers(0, len(GOOD_TEXT)), st.integers(0, 40), EDIT_TEXT), min_size=1,
                      max_size=6))
def test_broken_yaml_is_one_line(edits: list[tuple[int, int, str]]) -> None:
    text = GOOD_TEXT
    for at, cut, insert in edits:
        at = min(at, len(text))
        text = text[:at] + insert + text[at + cut:]
    with _scratch() as scratch:
        site = scratch / "good.yaml"
        site.write_text(text, encoding="utf-8", errors="surrogatepass")
        code, _ = _check(("site", "validate", str(site)))
        event(f"exit {code}")


ARG_VALUES = st.one_of(
    hostile.filter(lambda s: "\x00" not in s),
    st.sampled_from(["/", "/etc", "/proc/self/environ", "/dev/zero", "/proc/x", "..", "../../x", "-1", "0",
                     "100000", "99999999999999999999999", "local", "summit", "aigw", "workloads/aigw",
                     "/nonexistent/aigw", "x.yaml", "a" * 300, "html", "md", "docker", "site", "base", "workload",
                     "--", "-", "", " ", "--help"]),
)
COMMANDS: dict[tuple[str, ...], list[str]] = {
    ("sites",): [],
    ("site", "show"): ["--json"],
    ("site", "validate"): [],
    ("render",): ["--site", "--layer", "--workload", "--format", "-o"],
    ("docs",): ["--site", "--all", "--format", "-o"],
    ("base", "list"): [],
    ("base", "clone"): ["--from"],
    ("build", "--dry-run"): ["--site", "--layer", "--workload", "--engine", "--json", "--store", "-j"],
    ("run", "--dry-run", "--native"): ["--site", "--np", "--nodes", "--engine", "--launcher", "--results",
                                       "--run-id", "--json"],
}


@pytest.fixture(scope="module")
def scratch_home() -> Iterator[Path]:
    """A copy of the envkit tree (base clone writes into it) and a working folder (-o writes there)."""
    with _scratch() as folder:
        home = folder / "home"
        for name in ("bases", "recipes", "site-profiles", "workloads"):
            shutil.copytree(REPO / name, home / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.h5", "data"))
        (folder / "work").mkdir()
        yield folder


@FAST
@given(command=st.sampled_from(sorted(COMMANDS)), data=st.data())
def test_hostile_command_lines(scratch_home: Path, command: tuple[str, ...], data: st.DataObject) -> None:
    options = COMMANDS[command]
    tokens = data.draw(st.lists(st.one_of(st.sampled_from(options) if options else ARG_VALUES, ARG_VALUES),
                                max_size=6))
    if command[0] == "run":
        tokens = [data.draw(ARG_VALUES), *tokens]  # the workload
    if command[0] == "run" and "--" in tokens:
        tokens = tokens[: tokens.index("--")]  # arguments after -- go to the runner, which is not started
    saved_cwd, saved_home = os.getcwd(), os.environ.get("ENVKIT_HOME")
    os.environ["ENVKIT_HOME"] = str(scratch_home / "home")
    os.chdir(scratch_home / "work")
    try:
        code, _ = _check((*command, *tokens))
        event(f"{' '.join(command[:2])}: exit {code}")
    finally:
        os.chdir(saved_cwd)
        if saved_home is None:
            os.environ.pop("ENVKIT_HOME", None)
        else:
            os.environ["ENVKIT_HOME"] = saved_home


_PEAK_BEFORE = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # what earlier tests already used


def test_fuzzing_stayed_within_a_gibibyte() -> None:
    # The process's peak RSS can only have grown by what this module's fuzzing needed (tests before it in
    # the same process, e.g. ones that import torch, set the starting peak).
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - _PEAK_BEFORE
    assert grown < 1 << 30 or os.environ.get("PYTEST_XDIST_WORKER"), f"peak RSS grew by {grown >> 20} MiB"


def test_the_sandbox_catches_a_planted_command() -> None:
    with _scratch() as scratch:
        assert run_sandboxed("mkdir -p /x\nset -e\nfalse\necho 'a';pwned", scratch)[0]
        assert not run_sandboxed("echo ';pwned;' '$(pwned)'\ncat > /tmp/x <<'E'\n$(pwned)\nE", scratch)[0]
