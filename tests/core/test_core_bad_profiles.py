"""Bad input never gets past `envkit site validate` / `envkit render`: exit 2, one line, file:line: key: message.

Every case is a file in bad_profiles/ whose comment header says what the error must be:

    # expect-file: the file the error names (`-`: the case file itself; extends cycles name the other file)
    # expect-key:  the key path in the message (`-`: a whole-file error such as broken YAML)
    # expect-line: the line number in the message
    # expect:      a fragment of the message
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from envkit_cli import CliResult, run_envkit, run_inprocess

from .helpers import BAD_PROFILES, DATA


@dataclass(frozen=True)
class Case:
    path: Path
    file: Path
    key: str | None
    line: int
    expect: str


def _read_case(path: Path) -> Case:
    head: dict[str, str] = {}
    for raw in path.read_bytes().splitlines()[:6]:
        match = re.match(r"^# expect(?:-(\w+))?: (.*)$", raw.decode("ascii", "replace"))
        if match:
            head[match.group(1) or "message"] = match.group(2)
    assert {"file", "key", "line", "message"} <= set(head), f"{path.name}: incomplete header {head}"
    return Case(
        path=path,
        file=path if head["file"] == "-" else path.parent / head["file"],
        key=None if head["key"] == "-" else head["key"],
        line=int(head["line"]),
        expect=head["message"],
    )


CASES = [_read_case(p) for p in sorted(BAD_PROFILES.glob("*.yaml"))]
IDS = [c.path.stem for c in CASES]


def _assert_one_line_error(result: CliResult, case: Case) -> None:
    assert result.code == 2, (result.code, result.err)
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    line = lines[0]
    where = f"error: {case.file}:{case.line}: "
    assert line.startswith(where), f"expected {where!r}, got {line!r}"
    rest = line[len(where):]
    if case.key is None:
        assert re.match(r"^[\w.\[\]-]+: ", rest) is None or rest.startswith("invalid YAML: "), rest
    else:
        assert rest.startswith(f"{case.key}: "), f"expected key {case.key!r} in {line!r}"
    assert case.expect in rest, f"expected {case.expect!r} in {line!r}"


@pytest.fixture(autouse=True)
def _corpus_on_search_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # extends-cycle-* find each other by name on the profile search path.
    monkeypatch.setenv("ENVKIT_PROFILE_PATH", str(BAD_PROFILES))


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 40
    assert (DATA / "good.yaml").is_file()


def test_the_template_every_case_starts_from_is_valid() -> None:
    result = run_inprocess("site", "validate", str(DATA / "good.yaml"))
    assert result.code == 0, result.err
    assert result.out == f"ok {DATA / 'good.yaml'} (good)\n"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_validate_rejects_with_one_line(case: Case) -> None:
    _assert_one_line_error(run_inprocess("site", "validate", str(case.path)), case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_render_rejects_with_one_line(case: Case) -> None:
    _assert_one_line_error(run_inprocess("render", "--site", str(case.path)), case)


# A handful through the installed console script (startup, entry point, real stderr); the rest in-process.
SUBPROCESS_CASES = ["yaml-tab-indent", "dup-nested-key", "type-unquoted-version-float", "spectrum-cuda12",
                    "hostile-env-newline", "extends-cycle-a"]


@pytest.mark.parametrize("stem", SUBPROCESS_CASES)
def test_real_console_script(stem: str) -> None:
    case = next(c for c in CASES if c.path.stem == stem)
    _assert_one_line_error(run_envkit("site", "validate", str(case.path),
                                      env={"ENVKIT_PROFILE_PATH": str(BAD_PROFILES)}), case)
    _assert_one_line_error(run_envkit("render", "--site", str(case.path),
                                      env={"ENVKIT_PROFILE_PATH": str(BAD_PROFILES)}), case)


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_bytes(b"")
    _assert_one_line_error(run_inprocess("site", "validate", str(path)),
                           Case(path, path, None, 1, "the file is empty"))


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.yaml"
    path.write_text((DATA / "good.yaml").read_text().replace("name: good", "name: locked"))
    import os

    original = os.open

    def deny(name, flags, *args):  # root can read a chmod 000 file, so refuse the open itself
        if str(name) == str(path):
            raise PermissionError(13, "Permission denied", str(name))
        return original(name, flags, *args)

    monkeypatch.setattr("envkit.profile.yamlsource.os.open", deny)
    result = run_inprocess("site", "validate", str(path))
    assert result.code == 2 and "Traceback" not in result.err
    # Nothing was read, so there is no line to name: the file and the reason.
    assert result.err == f"error: {path}: cannot read file: Permission denied\n"


def test_missing_file() -> None:
    result = run_inprocess("site", "validate", "no/such/profile.yaml")
    assert (result.code, result.err) == (2, "error: no/such/profile.yaml: profile file not found\n")


def test_unknown_site_name() -> None:
    result = run_inprocess("render", "--site", "atlantis")
    assert result.code == 2 and len(result.err.splitlines()) == 1
    assert "unknown site 'atlantis' (known sites:" in result.err and "summit" in result.err


def test_validate_reports_each_bad_file_and_exits_2() -> None:
    files = [str(DATA / "good.yaml"), str(BAD_PROFILES / "dup-top-key.yaml"), str(BAD_PROFILES / "missing-cpu.yaml")]
    result = run_inprocess("site", "validate", *files)
    assert result.code == 2
    assert result.out == f"ok {files[0]} (good)\n"
    assert len(result.err.splitlines()) == 2
