"""A project folder is read strictly and with limits: each requirements kind, envkit.yaml errors as one line
with file and line, conda packages reported as not locked, dangerous values refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from envkit_cli import run_inprocess

from envkit.errors import EnvkitError
from envkit.project.spec import is_project, load_project

from .projects import PACKAGE, write_project


@pytest.mark.parametrize("kind", ["requirements.txt", "pyproject.toml", "environment.yml"])
def test_each_kind_gives_the_same_requirements(tmp_path: Path, kind: str) -> None:
    project = load_project(str(write_project(tmp_path / "p", kind, "demo", extra=("six>=1.16",))))
    assert project.name == "demo" and project.source == kind
    assert project.requirements == (PACKAGE, "six>=1.16")
    assert project.not_locked == (("libiconv",) if kind == "environment.yml" else ())


def test_a_workload_folder_is_not_a_project(tmp_path: Path) -> None:
    assert not is_project("workloads/aigw") and not is_project(str(tmp_path))
    write_project(tmp_path, "requirements.txt", "x")
    assert is_project(str(tmp_path))


def test_pyproject_optional_groups_come_from_envkit_yaml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname="x"\ndependencies=["six"]\n'
                                            '[project.optional-dependencies]\nplot=["tabulate"]\n')
    assert load_project(str(tmp_path)).requirements == ("six",)
    (tmp_path / "envkit.yaml").write_text("groups: [plot]\n")
    assert load_project(str(tmp_path)).requirements == ("six", "tabulate")
    (tmp_path / "envkit.yaml").write_text("groups: [nope]\n")
    with pytest.raises(EnvkitError, match="no optional dependency group 'nope'"):
        load_project(str(tmp_path))


@pytest.mark.parametrize("line, expected", [
    ("-r other.txt", "is a pip option"),
    ("--index-url https://example.org/simple", "is a pip option"),
    ("pkg @ https://example.org/pkg.whl", "cannot be locked from the index"),
    ("not a requirement!!", "not a requirement"),
])
def test_a_requirements_line_that_cannot_be_locked_is_one_line_with_its_line_number(
        tmp_path: Path, line: str, expected: str) -> None:
    (tmp_path / "requirements.txt").write_text(f"six\n{line}\n")
    with pytest.raises(EnvkitError, match=expected) as err:
        load_project(str(tmp_path))
    assert str(err.value).startswith(f"{tmp_path / 'requirements.txt'}:2: ")


def test_envkit_yaml_is_strict_and_reports_file_and_line(tmp_path: Path) -> None:
    write_project(tmp_path, "requirements.txt", "demo")
    (tmp_path / "envkit.yaml").write_text("name: demo\ncomand: [python, x.py]\n")
    res = run_inprocess("lock", "--site", "local", str(tmp_path))
    assert res.code == 2 and len(res.err.strip().splitlines()) == 1
    assert f"{tmp_path / 'envkit.yaml'}:2: comand:" in res.err and "Traceback" not in res.output


@pytest.mark.parametrize("text, key", [
    ("env: {LD_PRELOAD: /tmp/x.so}\n", "env.LD_PRELOAD"),
    ("name: ../../etc\n", "name"),
    ("files: {../secret: /opt/x}\n", "files"),
    ("a: &x 1\nb: *x\n", ""),
])
def test_dangerous_or_hostile_envkit_yaml_is_refused(tmp_path: Path, text: str, key: str) -> None:
    write_project(tmp_path, "requirements.txt", "demo")
    (tmp_path / "envkit.yaml").write_text(text)
    with pytest.raises(EnvkitError) as err:
        load_project(str(tmp_path))
    assert key in str(err.value) and "\n" not in str(err.value)


def test_two_requirements_files_are_ambiguous(tmp_path: Path) -> None:
    write_project(tmp_path, "requirements.txt", "demo")
    (tmp_path / "pyproject.toml").write_text('[project]\nname="x"\ndependencies=[]\n')
    with pytest.raises(EnvkitError, match="keep one requirements file"):
        load_project(str(tmp_path))


def test_a_project_without_a_lock_is_refused_with_the_fix(tmp_path: Path) -> None:
    write_project(tmp_path, "requirements.txt", "demo")
    res = run_inprocess("build", "--site", "local", str(tmp_path), "--dry-run")
    assert res.code == 2 and len(res.err.strip().splitlines()) == 1
    assert f"envkit lock --site local {tmp_path}" in res.err


def test_a_project_never_runs_natively(tmp_path: Path) -> None:
    write_project(tmp_path, "requirements.txt", "demo")
    res = run_inprocess("run", "--site", "local", str(tmp_path), "--native", "--", "python", "train.py")
    assert res.code == 2 and "runs inside its image" in res.err
