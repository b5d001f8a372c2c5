"""Shared parts of the hostile-input tests: the CLI in-process and bounded, outcome checks, a sandboxed bash.

Example:
    >>> ok_outcome(2, "", "error: x.yaml:3: title: bad\\n")
    ''
"""

from __future__ import annotations

import io
import os
import re
import resource
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
HOSTILE = HERE / "hostile"
GOOD = REPO / "tests" / "core" / "data" / "good.yaml"
TIME_LIMIT_S = 10.0
MEMORY_LIMIT = 1 << 30  # 1 GiB of address space for one command in a subprocess

# Commands never run here: they build, launch or train for real (the hostile runs use --dry-run forms).
ALLOWED_CODES = {0, 1, 2}


def ok_outcome(code: int, out: str, err: str, max_lines: int = 3) -> str:
    """'' when a run ended as envkit promises (exit 0/1/2, no traceback, at most 3 error lines), else why not.

    `site validate A B C` reports each file, so it may print one line per file (max_lines).
    """
    if "Traceback (most recent call last)" in err or "Traceback (most recent call last)" in out:
        return "traceback"
    if "internal error:" in err:
        return "internal error: " + err.strip().splitlines()[-1][:200]
    if code not in ALLOWED_CODES:
        return f"exit {code}"
    if code != 0:
        lines = [line for line in err.splitlines() if line.strip() and not line.startswith("warning: ")]
        if not lines:
            return "non-zero exit with no error line"
        if len(lines) > max_lines:
            return f"{len(lines)} error lines"
    return ""


@dataclass
class CliResult:
    """What an in-process CLI run gave back."""

    code: int
    out: str
    err: str


def run_inprocess(*args: str) -> CliResult:
    """Run `envkit.cli.main` in this process: the console script's code path, minus the start-up."""
    from envkit.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.argv
    sys.argv = ["envkit", *args]
    code = 0
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = saved
    return CliResult(code, out.getvalue(), err.getvalue())


@dataclass
class Outcome:
    """One bounded subprocess run."""

    code: int
    out: str
    err: str
    seconds: float
    hung: bool
    peak_kib: int


def _limits() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    os.setsid()


def envkit_argv() -> list[str]:
    """The console script beside this interpreter."""
    script = Path(sys.executable).with_name("envkit")
    return [str(script)] if script.is_file() else [sys.executable, "-c", "from envkit.cli import main; main()"]


def run_bounded(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
                timeout: float = TIME_LIMIT_S) -> Outcome:
    """Run the real `envkit` under 1 GiB of address space and `timeout` seconds (its process group is killed)."""
    full_env = {**os.environ, **(env or {})}
    start = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.Popen([*envkit_argv(), *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=full_env, cwd=cwd or REPO, preexec_fn=_limits)
    hung = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        hung = True
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
    seconds = time.monotonic() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return Outcome(proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), seconds, hung,
                   max(peak, before))


# A planted payload calls `pwned`, a program only the sandbox's PATH has; it leaves a mark when run.
PLANT = "pwned"
PAYLOADS = (
    "$(pwned)", "`pwned`", ";pwned;", " && pwned", "|pwned", "\npwned\n", "'; pwned; '", "\"; pwned; \"",
    "$(pwned)'", "');pwned;('", "\nENVKIT_SITE_YAML\npwned\n", "${IFS}pwned", "<(pwned)", ">(pwned)",
    "x; pwned #", "& pwned &", "'$(pwned)'", "\\'; pwned; \\'", "$((pwned))", "{pwned,}", "\r\npwned\r\n",
)

_PRELUDE = """\
command_not_found_handle() { return 0; }
set() { return 0; }
"""


def run_sandboxed(script: str, scratch: Path) -> tuple[bool, str]:
    """Run `script` in a real, restricted bash (`bash -r`) in `scratch` with an empty environment.

    Restricted mode refuses `cd`, output redirection, `exec`, commands with a `/` and changes to PATH,
    so the template's own lines (`cat > /opt/...`, `mkdir -p /scratch`) cannot touch this host; unknown
    commands succeed quietly (command_not_found_handle) and `set -e` is disabled, so every line is
    reached. PATH holds one program, `pwned`, which leaves `PWNED` in `scratch` if anything runs it.
    Returns (whether a planted command ran, bash's stderr).
    """
    bindir = scratch / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    shim = bindir / PLANT
    mark = scratch / "PWNED"
    shim.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{mark}'\n")
    shim.chmod(0o755)
    mark.unlink(missing_ok=True)
    proc = subprocess.run(["/bin/bash", "--norc", "--noprofile", "-r", "-c", _PRELUDE + script],
                          env={"PATH": str(bindir)}, cwd=scratch, capture_output=True, text=True, timeout=30,
                          check=False, stdin=subprocess.DEVNULL)
    return mark.exists(), proc.stderr


_SECTION = re.compile(r"^%([A-Za-z]+)\s*$", re.M)


def shell_sections(definition: str) -> dict[str, str]:
    """%post, %test, %environment and %runscript bodies of a Singularity definition."""
    parts = _SECTION.split(definition)
    found: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=False):
        if name in ("post", "test", "environment", "runscript", "setup"):
            found[name] = found.get(name, "") + body
    return found
