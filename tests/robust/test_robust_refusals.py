"""Values that are well-formed but dangerous or wrong are refused with a one-line reason (exit 2).

One test per kind the outside tester found accepted: loader/shell variables in defaults.env, system
folders as binds and :rw binds over them, an mpi.root of `/`, CPUs above a node's, `--results /`,
`--run-id ../../x`, a workload folder that does not exist, `--nodes` above the site's, `--np 0`,
a base name with a trailing newline, and a profile that shadows a shipped site.
"""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from envkit_cli import run_inprocess

from .harness import GOOD, REPO

GOOD_DATA: dict[str, Any] = yaml.safe_load(GOOD.read_text())


def _profile(tmp_path: Path, change: dict[tuple[str, ...], Any]) -> Path:
    data = copy.deepcopy(GOOD_DATA)
    for path, value in change.items():
        node = data
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    site = tmp_path / "good.yaml"
    site.write_text(yaml.safe_dump(data))
    return site


def _refused(args: tuple[str, ...], *fragments: str) -> str:
    result = run_inprocess(*args)
    assert result.code == 2, (result.code, result.out, result.err)
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.mark.parametrize("name", ["LD_PRELOAD", "LD_LIBRARY_PATH", "BASH_ENV", "ENV", "PATH", "PYTHONPATH",
                                  "LD_AUDIT", "PYTHONSTARTUP", "BASH_FUNC_x"])
def test_loader_and_shell_variables_are_refused(tmp_path: Path, name: str) -> None:
    site = _profile(tmp_path, {("defaults", "env"): {name: "/tmp/evil.so"}})
    _refused(("site", "validate", str(site)), f"defaults.env.{name}: ", "changes which code runs", "env_allow")


def test_a_variable_allowed_with_a_reason_is_accepted(tmp_path: Path) -> None:
    site = _profile(tmp_path, {("defaults", "env"): {"LD_LIBRARY_PATH": "/opt/site/lib"},
                               ("defaults", "env_allow"): {"LD_LIBRARY_PATH": "the site's CXI provider lives here"}})
    result = run_inprocess("site", "validate", str(site))
    assert result.code == 0, result.err


def test_an_allowance_for_an_unset_variable_is_refused(tmp_path: Path) -> None:
    site = _profile(tmp_path, {("defaults", "env_allow"): {"LD_PRELOAD": "just in case"}})
    _refused(("site", "validate", str(site)), "defaults.env_allow.LD_PRELOAD: ", "does not set")


@pytest.mark.parametrize(("section", "bind", "why"), [
    ("container", "/:/", "system folder /"),
    ("container", "/", "system folder /"),
    ("container", "/etc:/etc:rw", "system folder /etc"),
    ("container", "/etc", "system folder /etc"),
    ("container", "/scratch:/usr/lib/x:rw", "read-write inside the system folder /usr"),
    ("container", "/opt/../etc:/data", "system folder /etc"),
    ("container", "/data:/var", "system folder /var"),
    ("mpi", "/usr", "system folder /usr"),
])
def test_system_folders_as_binds_are_refused(tmp_path: Path, section: str, bind: str, why: str) -> None:
    key = ("container", "binds") if section == "container" else ("mpi", "bind_paths")
    site = _profile(tmp_path, {key: [bind]})
    _refused(("site", "validate", str(site)), f"{'.'.join(key)}.0: ", why)


def test_a_scratch_bind_read_write_is_fine(tmp_path: Path) -> None:
    site = _profile(tmp_path, {("container", "binds"): ["/scratch:/scratch:rw", "/opt/site/lib:/usr/lib/site:ro"]})
    assert run_inprocess("site", "validate", str(site)).code == 0


def test_an_mpi_root_of_slash_is_refused(tmp_path: Path) -> None:
    site = _profile(tmp_path, {("mpi", "root"): "/"})
    _refused(("site", "validate", str(site)), "mpi.root: ", "whole system folder")


def test_cpus_per_task_above_the_node_is_refused(tmp_path: Path) -> None:
    site = _profile(tmp_path, {("launcher", "cpus_per_task"): 1000})
    _refused(("site", "validate", str(site)), "launcher.cpus_per_task: ", "more than a node has", "64 cores")


def test_cpus_per_task_times_ranks_above_the_node_is_refused(tmp_path: Path) -> None:
    site = _profile(tmp_path, {("launcher", "cpus_per_task"): 32})  # 4 GPUs -> 4 ranks x 32 > 64
    _refused(("site", "validate", str(site)), "launcher.cpus_per_task: ", "4 ranks per node")


def test_prose_may_hold_a_semicolon_and_the_pattern_message_says_the_rule(tmp_path: Path) -> None:
    ok = _profile(tmp_path, {("cpu", "source"): "[read: docs] 64 cores; 2 sockets | see A & B, 'quoted'"})
    assert run_inprocess("site", "validate", str(ok)).code == 0
    bad = _profile(tmp_path, {("cpu", "source"): 'say "hi"'})
    line = _refused(("site", "validate", str(bad)), "cpu.source: ", "double quotes")
    assert "; |" not in line and "& or quotes" not in line


@pytest.mark.parametrize(("args", "fragment"), [
    (("--results", "/"), "/ is a system folder"),
    (("--results", "/etc"), "system folder"),
    (("--results", "/usr/lib/x"), "inside a system folder"),
    (("--run-id", "../../x"), "--run-id '../../x' must be a plain name"),
    (("--run-id", "a/b"), "must be a plain name"),
    (("--run-id", "x\n"), "must be a plain name"),
    (("--np", "0"), "--np must be at least 1, got 0"),
    (("--nodes", "100000"), "more than the site's 1 node(s)"),
])
def test_run_refuses_dangerous_or_impossible_arguments(args: tuple[str, ...], fragment: str) -> None:
    _refused(("run", "aigw", "--site", "local", "--native", "--dry-run", *args), fragment)


def test_run_nodes_are_checked_against_a_big_site() -> None:
    _refused(("run", "aigw", "--site", "summit", "--dry-run", "--nodes", "100000"), "4608 node(s)")


def test_a_workload_folder_that_does_not_exist_is_refused() -> None:
    _refused(("run", "/nonexistent/elsewhere/aigw", "--site", "local", "--native", "--dry-run"),
             "workload folder '/nonexistent/elsewhere/aigw' does not exist")


def test_a_workload_folder_elsewhere_is_not_replaced_by_the_bundled_one(tmp_path: Path) -> None:
    (tmp_path / "aigw").mkdir()
    _refused(("run", str(tmp_path / "aigw"), "--site", "local", "--native", "--dry-run"), "has no workload.yaml")


def test_the_bundled_workload_by_folder_still_runs() -> None:
    result = run_inprocess("run", str(REPO / "workloads" / "aigw"), "--site", "local", "--native", "--dry-run")
    assert result.code == 0, result.err


@pytest.fixture
def scratch_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    for folder in ("bases", "recipes", "site-profiles"):
        shutil.copytree(REPO / folder, home / folder)
    (home / "workloads").mkdir()
    monkeypatch.setenv("ENVKIT_HOME", str(home))
    return home


def test_a_base_name_with_a_trailing_newline_is_refused_and_leaves_nothing(scratch_home: Path) -> None:
    before = sorted(p.relative_to(scratch_home) for p in scratch_home.rglob("*"))
    _refused(("base", "clone", "name\n"), "base name 'name\\n' must be")
    assert sorted(p.relative_to(scratch_home) for p in scratch_home.rglob("*")) == before
    assert run_inprocess("base", "list").code == 0


def test_a_clone_that_fails_late_removes_what_it_wrote(scratch_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The last step (loading the new clone back) fails: both files it wrote must be gone.
    from envkit.errors import EnvkitError
    from envkit.recipe import clone as clone_module

    real = clone_module.load_base

    def load_base(name: str):  # type: ignore[no-untyped-def]
        if name == "mybase":
            raise EnvkitError("simulated failure loading the clone")
        return real(name)

    monkeypatch.setattr(clone_module, "load_base", load_base)
    before = sorted(p.relative_to(scratch_home) for p in scratch_home.rglob("*"))
    result = run_inprocess("base", "clone", "mybase")
    assert result.code == 2 and "simulated failure" in result.err, result.err
    assert sorted(p.relative_to(scratch_home) for p in scratch_home.rglob("*")) == before


def test_a_profile_that_shadows_a_shipped_site_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from envkit.profile import load as load_module

    shadow = tmp_path / "local.yaml"
    shadow.write_text((REPO / "site-profiles" / "local.yaml").read_text())
    monkeypatch.setenv("ENVKIT_PROFILE_PATH", str(tmp_path))
    monkeypatch.setattr(load_module, "_warned", set())
    result = run_inprocess("site", "show", "local")
    assert result.code == 0, result.err
    warning = [line for line in result.err.splitlines() if line.startswith("warning: ")]
    assert len(warning) == 1 and str(shadow) in warning[0] and str(REPO / "site-profiles" / "local.yaml") \
        in warning[0], result.err


def test_render_o_cases_are_one_line(tmp_path: Path) -> None:
    _refused(("render", "--site", "local", "-o", "/proc/x"), "not under /proc")
    _refused(("render", "--site", "local", "-o", str(tmp_path)), "names a folder")
    _refused(("render", "--site", "local", "-o", str(tmp_path / "no" / "x.def")), "does not exist")
    _refused(("docs", "--site", "local", "-o", "/proc/x"), "not under /proc")
    assert not (tmp_path / "no").exists()


def test_render_o_leaves_nothing_when_a_write_fails(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    blocker = out / "envkit-local.post.sh"  # the Docker form writes its scripts beside the Dockerfile
    blocker.mkdir()
    result = run_inprocess("render", "--site", "local", "--format", "docker", "-o", str(out / "Dockerfile"))
    assert result.code == 2 and "Traceback" not in result.err, result.err
    assert sorted(p.name for p in out.iterdir()) == ["envkit-local.post.sh"]


def test_docs_o_leaves_no_new_folder_when_a_page_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "profiles"
    extra.mkdir()
    (extra / "zz-broken.yaml").write_text("name: zz-broken\n")  # on the search path: --all renders it too
    monkeypatch.setenv("ENVKIT_PROFILE_PATH", str(extra))
    result = run_inprocess("docs", "--all", "-o", str(tmp_path / "pages"))
    assert result.code == 2 and "Traceback" not in result.err, result.err
    assert not (tmp_path / "pages").exists()


def test_internal_errors_are_one_line_with_exit_70(monkeypatch: pytest.MonkeyPatch) -> None:
    import envkit.profile as profile_pkg

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(profile_pkg, "load_profile", boom)
    monkeypatch.delenv("ENVKIT_DEBUG", raising=False)
    result = run_inprocess("site", "show", "local")
    assert result.code == 70
    assert result.err == ("error: internal error: RuntimeError: simulated bug (ENVKIT_DEBUG=1 shows the traceback)\n")
    monkeypatch.setenv("ENVKIT_DEBUG", "1")
    with pytest.raises(RuntimeError):
        run_inprocess("site", "show", "local")


def test_site_validate_reports_every_file(tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    a.write_text("a: &a [*a]\n")
    b = tmp_path / "b.yaml"
    b.write_bytes(b"name: b\x00\n")
    c = REPO / "site-profiles" / "local.yaml"
    result = run_inprocess("site", "validate", str(a), str(b), str(c), str(tmp_path / "missing.yaml"))
    assert result.code == 2
    assert result.out == f"ok {c} (local)\n"
    errors = result.err.splitlines()
    assert [e.split(":")[1].strip() for e in errors] == [str(a), str(b), str(tmp_path / "missing.yaml")], errors
    assert os.path.exists(c)


def test_a_bomb_on_the_profile_path_is_reported_by_sites_and_through_extends(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    (tmp_path / "bomb.yaml").write_text(laughs)
    child = tmp_path / "child.yaml"
    child.write_text(GOOD.read_text().replace("name: good", "name: child") + "extends: bomb\n")
    monkeypatch.setenv("ENVKIT_PROFILE_PATH", str(tmp_path))
    result = run_inprocess("sites")
    assert result.code == 0, result.err
    bomb_line = next(line for line in result.out.splitlines() if line.startswith("bomb "))
    assert "INVALID" in bomb_line and "anchors and aliases" in bomb_line
    _refused(("site", "validate", str(child)), f"{tmp_path / 'bomb.yaml'}:1: a: anchors and aliases")


def test_base_list_reports_a_broken_base_and_goes_on(scratch_home: Path) -> None:
    (scratch_home / "bases" / "bad\n.yaml").write_text("name: x\n")
    (scratch_home / "bases" / "bomb.yaml").write_text("a: &a [*a]\n")
    result = run_inprocess("base", "list")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert any(line.startswith("envkit-base ") for line in lines)
    assert sum("INVALID: " in line for line in lines) == 2, lines


def test_build_dry_run_hashes_a_hostile_mpi_root_without_following_it(tmp_path: Path) -> None:
    root = tmp_path / "mpi"
    (root / "lib").mkdir(parents=True)
    (root / "lib" / "libmpi.so").write_bytes(b"\x7fELF")
    (root / "lib" / "dangling.so").symlink_to(tmp_path / "nowhere")
    (root / "lib" / "loop").symlink_to(root / "lib" / "loop")
    os.mkfifo(root / "lib" / "fifo")  # reading it would block forever
    text = (REPO / "site-profiles" / "local.yaml").read_text().replace("name: local", "name: hostmpi")
    text = text.replace("  install: distro", f"  install: host\n  root: {root}")
    assert f"root: {root}" in text
    site = tmp_path / "hostmpi.yaml"
    site.write_text(text)
    result = run_inprocess("build", "--site", str(site), "--dry-run", "--store", str(tmp_path / "store"))
    assert result.code == 0 and "Traceback" not in result.err, result.err


def test_extends_of_a_sibling_in_a_link_loop_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "loop-a.yaml").symlink_to(tmp_path / "loop-b.yaml")
    (tmp_path / "loop-b.yaml").symlink_to(tmp_path / "loop-a.yaml")
    child = tmp_path / "child.yaml"
    child.write_text("name: child\nextends: loop-a\n")
    monkeypatch.setenv("ENVKIT_PROFILE_PATH", str(tmp_path))
    for args in (("site", "validate", str(child)), ("docs", "--all")):
        _refused(args, "loop-a.yaml")


def test_a_link_loop_met_anywhere_is_one_line_not_an_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's net for Path.resolve() on a loop (Python 3.11 raises RuntimeError), wherever a command meets
    one: exit 2 and the path, not exit 70."""
    import envkit.profile

    def loop() -> list[str]:
        raise RuntimeError("Symlink loop from '/x/loop.yaml'")

    monkeypatch.setattr(envkit.profile, "list_sites", loop)
    _refused(("sites",), "/x/loop.yaml", "a loop of symbolic links")
