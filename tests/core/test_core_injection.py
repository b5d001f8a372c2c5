"""No profile or base value reaches a shell line unquoted.

Profiles here bypass validation (`model_copy(update=...)` on nested sections), so values
carry `$(...)`, backticks, `;`, `&&`, `|`, quotes and newlines into the renderer. For each
one, the base and site layers are rendered in both formats, and then:

* `bash -n` accepts every %post, %test and %environment, and the Docker form's scripts;
* every line of %post/%test that holds the hostile value is run by a real bash in a scratch
  folder, with each of the template's own commands (and only those: anything else on such a
  line is an injected command and fails the test) turned into `__show`, which prints its
  arguments. No PWNED file may appear and the value must come out literally;
* %environment is run for real and the variable must hold the value literally;
* the quoted here-document carrying the profile is run for real and reads back as the profile.

A renderer may also refuse a value (`one_line`, `identifier` or the platform lookup raise
EnvkitError); that is asserted as an outcome in its own right.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from envkit.errors import EnvkitError
from envkit.profile import load_profile
from envkit.profile.model import Profile
from envkit.recipe import layers as layers_module
from envkit.recipe.bases import Base, Extra, load_base
from envkit.recipe.formats import render_layer
from envkit.recipe.layers import base_layer, site_layer

from .helpers import parse_definition

PAYLOADS = {
    "subst": "$(touch PWNED)",
    "backtick": "`touch PWNED`",
    "semicolon": ";touch PWNED",
    "and-or": " && touch PWNED || true",
    "pipe": "|touch PWNED",
    "quotes": "'\"; touch PWNED; echo \"'",
    "newline": "\ntouch PWNED\n",
    "heredoc-end": "\nENVKIT_SITE_YAML\ntouch PWNED\ncat <<'ENVKIT_SITE_YAML'",
}

# The template's own commands that may sit on a line holding a profile value.
TEMPLATE_COMMANDS = {"apt-get", "curl", "tar", "cd", "make", "mkdir", "rm", "test", "export", "printf", "exit",
                     "sed", "grep", "cat", "head", "bash", "chmod", "python", "python3", "mpirun", "horovodrun",
                     "./configure"}


@dataclass(frozen=True)
class Poison:
    """One way of putting a hostile value into a profile (or its base)."""

    site: str
    apply: Callable[[Profile, str], Profile]
    value: Callable[[str], str]  # the literal text that must come out
    base_extra: bool = False     # poison the base's extra packages instead of the profile


def _section(profile: Profile, name: str, **update: object) -> Profile:
    return profile.model_copy(update={name: getattr(profile, name).model_copy(update=update)})


POISONS: dict[str, Poison] = {
    "container.binds": Poison("hal", lambda p, v: _section(p, "container", binds=[*p.container.binds, "/data" + v]),
                              lambda v: "/data" + v),
    "mpi.bind_paths": Poison("summit", lambda p, v: _section(p, "mpi", bind_paths=["/opt/ibm/smpi" + v]),
                             lambda v: "/opt/ibm/smpi" + v),
    "mpi.root": Poison("summit", lambda p, v: _section(p, "mpi", root="/opt/ibm/spectrum_mpi" + v),
                       lambda v: "/opt/ibm/spectrum_mpi" + v),
    "mpi.version": Poison("hal", lambda p, v: _section(p, "mpi", version="4.1.1" + v), lambda v: "4.1.1" + v),
    "cuda.toolkit": Poison("summit", lambda p, v: _section(p, "cuda", toolkit="11.7" + v), lambda v: "11.7" + v),
    "defaults.env.value": Poison("delta", lambda p, v: _section(p, "defaults", env={"NCCL_SOCKET_IFNAME": "hsn" + v}),
                                 lambda v: "hsn" + v),
    "defaults.env.name": Poison("delta", lambda p, v: _section(p, "defaults", env={"X" + v: "1"}), lambda v: "X" + v),
    "name": Poison("local", lambda p, v: p.model_copy(update={"name": "local" + v}), lambda v: "local" + v),
    "title": Poison("local", lambda p, v: p.model_copy(update={"title": "Local" + v}), lambda v: "Local" + v),
    "cpu.arch": Poison("hal", lambda p, v: _section(p, "cpu", arch="ppc64le" + v), lambda v: "ppc64le" + v),
    "modules": Poison("bridges-ai", lambda p, v: p.model_copy(update={"modules": ["openmpi" + v]}),
                      lambda v: "openmpi" + v),
    "launcher.args": Poison("summit", lambda p, v: _section(p, "launcher", args=["--smpiargs=-gpu" + v]),
                            lambda v: "--smpiargs=-gpu" + v),
    "scheduler.partition": Poison("hal", lambda p, v: _section(p, "scheduler", partition="gpu" + v),
                                  lambda v: "gpu" + v),
    "base.extra.apt": Poison("local", lambda p, v: p, lambda v: "libfoo" + v, base_extra=True),
}


# --- a small, quote-aware splitter for one rendered shell line ------------------------------------


class Unsupported(Exception):
    """The line uses a construct the neutraliser does not handle (a redirect, a stray quote)."""


def _closing(line: str, i: int, opener: str) -> int:
    """Index just past the construct opened at line[i] (a quote, $( or a backtick)."""
    if opener == "'":
        j = line.find("'", i + 1)
        if j < 0:
            raise Unsupported("unbalanced '")
        return j + 1
    if opener == "`":
        j = line.find("`", i + 1)
        if j < 0:
            raise Unsupported("unbalanced `")
        return j + 1
    if opener == '"':
        j = i + 1
        while j < len(line):
            if line[j] == "\\":
                j += 2
            elif line[j] == '"':
                return j + 1
            elif line.startswith("$(", j):
                j = _closing(line, j, "$(")
            else:
                j += 1
        raise Unsupported('unbalanced "')
    depth, j = 1, i + 2  # $(
    while j < len(line):
        if line[j] in "'\"`":
            j = _closing(line, j, line[j])
            continue
        depth += {"(": 1, ")": -1}.get(line[j], 0)
        j += 1
        if depth == 0:
            return j
    raise Unsupported("unbalanced $(")


def segments(line: str) -> list[list[str]]:
    """Simple commands of a line as lists of raw words (quotes kept), split at ; | && || ( ) { }."""
    out: list[list[str]] = [[]]
    word = ""
    i = 0

    def flush() -> None:
        nonlocal word
        if word in ("{", "}"):
            out.append([])
        elif word:
            out[-1].append(word)
        word = ""

    while i < len(line):
        ch = line[i]
        if ch in "'\"`" or line.startswith("$(", i):
            j = _closing(line, i, "$(" if ch == "$" else ch)
            word += line[i:j]
            i = j
        elif line.startswith("\\\n", i):
            flush()
            i += 2
        elif ch == "\\":
            word += line[i:i + 2]
            i += 2
        elif ch in " \t":
            flush()
            i += 1
        elif ch == "#" and not word:
            break
        elif line.startswith(("&&", "||"), i) or ch in ";|()":
            flush()
            out.append([])
            i += 2 if line.startswith(("&&", "||"), i) else 1
        elif ch in "<>":
            raise Unsupported(f"redirect in {line!r}")
        else:
            word += ch
            i += 1
    flush()
    return [seg for seg in out if seg]


_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def neutralise(line: str) -> list[str]:
    """Each simple command of `line` as `__show WORDS...`; fails on a command the template never runs."""
    result = []
    for words in segments(line):
        command = next((w for w in words if not _ASSIGNMENT.match(w)), "")
        is_path = command.startswith(("/", "'/", '"/'))
        if command not in TEMPLATE_COMMANDS and not is_path:
            pytest.fail(f"a profile value injected a command {command!r}: {' '.join(words)!r} in {line!r}")
        result.append("__show " + " ".join(words))
    return result


SHOW = "__show() { printf '%s\\0' \"$@\"; printf '\\1'; }\n"


def run_bash(script: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["bash", "-c", script], cwd=cwd, capture_output=True, timeout=20, check=False,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), "LD_LIBRARY_PATH": ""})


def bash_n(text: str, cwd: Path) -> None:
    path = cwd / "check.sh"
    path.write_text(text)
    proc = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, timeout=20, check=False)
    assert proc.returncode == 0, proc.stderr


def logical_lines(script: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The script's commands as bash reads them: a newline inside quotes or after a backslash does not
    end a command. Quoted here-documents are returned apart as (delimiter, body)."""
    commands: list[str] = []
    heredocs: list[tuple[str, str]] = []
    current = ""
    i = 0
    while i < len(script):
        ch = script[i]
        if ch in "'\"`" or script.startswith("$(", i):
            j = _closing(script, i, "$(" if ch == "$" else ch)
            current += script[i:j]
            i = j
        elif ch == "\\":
            current += script[i:i + 2]
            i += 2
        elif ch == "#" and (not current or current[-1] in " \t"):
            j = script.find("\n", i)
            i = len(script) if j < 0 else j
        elif ch == "\n":
            match = re.search(r"<<-?'([A-Za-z_]+)'\s*$", current)
            commands.append(current)
            current = ""
            i += 1
            if match:
                body_lines = []
                rest = script[i:].split("\n")
                for body_line in rest:
                    i += len(body_line) + 1
                    if body_line == match.group(1):
                        break
                    body_lines.append(body_line)
                else:
                    raise AssertionError(f"unterminated here-document {match.group(1)}")
                heredocs.append((match.group(1), "".join(f"{b}\n" for b in body_lines)))
        else:
            current += ch
            i += 1
    commands.append(current)
    return [c for c in commands if c.strip()], heredocs


# --- the test --------------------------------------------------------------------------------------


def _refusal_ok(field: str, literal: str, exc: EnvkitError) -> None:
    """A renderer refused the value: only one a definition line cannot hold, said in one line."""
    assert "\n" not in str(exc)
    assert "\n" in literal or field in ("defaults.env.name", "cpu.arch"), f"refused {literal!r} for no reason: {exc}"


def _run_script(script: str, profile: Profile, tmp_path: Path) -> bytes | None:
    """bash -n, the here-documents for real, the lines holding the value neutralised; what __show printed."""
    bash_n(script, tmp_path)
    commands, heredocs = logical_lines(script)
    for delimiter, body in heredocs:
        if delimiter == "ENVKIT_LOCK":   # the lock's requirement lines (envkit.lock), not the profile
            continue
        # Run the here-document for real, writing to the scratch folder instead of the image.
        proc = run_bash(f"cat > profile.yaml <<'{delimiter}'\n{body}{delimiter}\n", tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert yaml.safe_load((tmp_path / "profile.yaml").read_text()) == \
            profile.model_dump(mode="json", exclude_none=True)
    marked = [line for command in commands if "PWNED" in command for line in neutralise(command)]
    if not marked:
        return None
    proc = run_bash(SHOW + "\n".join(marked) + "\n", tmp_path)
    assert proc.returncode == 0, (marked, proc.stderr)
    return proc.stdout


def _run_environment(section: str, tmp_path: Path) -> dict[str, bytes]:
    """Source %environment for real; the value of every variable it exports."""
    bash_n(section, tmp_path)
    names = [line.split("=", 1)[0].split()[-1] for line in section.splitlines() if line.strip()]
    proc = run_bash(section + "".join(f'printf "%s\\0" "${{{n}}}"\n' for n in names), tmp_path)
    assert proc.returncode == 0, proc.stderr
    return dict(zip(names, proc.stdout.split(b"\0")[:-1], strict=True))


CASES = [(field, payload) for field in POISONS for payload in PAYLOADS]


@pytest.mark.parametrize(("field", "payload"), CASES, ids=[f"{f}-{p}" for f, p in CASES])
def test_hostile_value_never_runs(field: str, payload: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    poison = POISONS[field]
    literal = poison.value(PAYLOADS[payload])
    profile = poison.apply(load_profile(poison.site), PAYLOADS[payload])
    if poison.base_extra:
        real = load_base(profile.base)
        poisoned = real.model_copy(update={"extra": Extra.model_construct(apt=[literal], pip=[literal])})
        monkeypatch.setattr(layers_module, "load_base", lambda name: poisoned if name == real.name else load_base(name))
        assert isinstance(poisoned, Base)

    shown: list[bytes] = []
    env_checked = False
    for build in (base_layer, site_layer):
        try:
            layer = build(profile)
        except EnvkitError as exc:
            _refusal_ok(field, literal, exc)
            continue
        # The install and test scripts are shell whatever the output format: check them first.
        for script in (layer.post, layer.test):
            out = _run_script(script, profile, tmp_path)
            if out is not None:
                shown.append(out)
        try:
            docker = render_layer(layer, "docker", profile.name)
            assert docker[layer.script_name] == layer.post and docker[layer.test_name] == layer.test
        except EnvkitError as exc:
            _refusal_ok(field, literal, exc)
        try:
            (text,) = render_layer(layer, "singularity", profile.name).values()
        except EnvkitError as exc:
            _refusal_ok(field, literal, exc)
            continue
        defn = parse_definition(text)
        assert defn.sections["post"] == layer.post + "\n" and defn.sections["test"].startswith(layer.test)
        env = _run_environment(defn.sections["environment"], tmp_path)
        if field == "defaults.env.value" and layer.kind == "site":
            assert env["NCCL_SOCKET_IFNAME"] == literal.encode()
            env_checked = True

    assert not any(p.name == "PWNED" for p in tmp_path.rglob("*")), "a hostile value ran a command"
    args = [arg for out in shown for cmd in out.split(b"\1") for arg in cmd.split(b"\0")]
    if shown:
        assert any(literal.encode() in arg for arg in args), f"{literal!r} did not come out literally: {args}"
    elif not env_checked:
        # The value reaches only comments, labels, %help, %environment or the here-document (all checked above),
        # or was refused (the site name no longer reaches any command: a base is shared by sites).
        assert field in ("name", "cuda.toolkit", "title", "modules", "launcher.args", "scheduler.partition",
                         "defaults.env.name", "cpu.arch") or "\n" in literal, field


def test_splitter_sees_injections() -> None:
    # The neutraliser itself must not hide an unquoted value: it fails on the injected command.
    assert segments("mkdir -p '/a;b' \"$(uname -m)\" && test -x x || { printf '%s' y; exit 1; }") == [
        ["mkdir", "-p", "'/a;b'", '"$(uname -m)"'], ["test", "-x", "x"], ["printf", "'%s'", "y"], ["exit", "1"]]
    with pytest.raises(pytest.fail.Exception):
        neutralise("mkdir -p /data;touch PWNED")
    with pytest.raises(Unsupported):
        segments("printf x > /etc/passwd")


def test_unquoted_value_would_be_caught(tmp_path: Path) -> None:
    # The same machinery on a deliberately unquoted line: the substitution runs and leaves PWNED.
    proc = run_bash(SHOW + "\n".join(neutralise("mkdir -p /data$(touch PWNED)")) + "\n", tmp_path)
    assert proc.returncode == 0
    assert (tmp_path / "PWNED").exists()
