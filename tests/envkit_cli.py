"""The one way tests run the envkit command line: in this process through `envkit.cli.main` (the console
script's code path: its error lines and exit codes), or as a subprocess of the installed console script.

pytest puts this folder on sys.path (`pythonpath = ["tests"]` in pyproject.toml), so any test imports it:

    >>> run_inprocess("site", "validate", "no-such-file.yaml").code
    2
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass
class CliResult:
    """What a CLI run gave back: exit code, stdout and stderr."""

    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        """stdout, then stderr."""
        return self.out + self.err


def envkit_argv() -> list[str]:
    """The installed `envkit` console script beside this interpreter (or the module as a fallback)."""
    script = Path(sys.executable).with_name("envkit")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from envkit.cli import main; main()"]


def process_env(env: dict[str, str] | None = None, unset: tuple[str, ...] = ()) -> dict[str, str]:
    """A user's environment for a subprocess: this process's, plus `env`, less `unset`, with USER set (ch-run
    refuses to start without it, and a CI job or a daemon may not have it).

    >>> process_env({"A": "1"}, unset=("HOME",))["A"], "HOME" in process_env(unset=("HOME",))
    ('1', False)
    """
    full_env = {k: v for k, v in os.environ.items() if k not in unset}
    full_env.update(env or {})
    if not full_env.get("USER"):
        full_env["USER"] = "root" if os.geteuid() == 0 else str(os.getuid())
    return full_env


def envkit_process(*args: str, env: dict[str, str] | None = None, unset: tuple[str, ...] = (),
                   cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess, as a user would (`process_env(env, unset)`)."""
    return subprocess.run([*envkit_argv(), *args], capture_output=True, text=True, env=process_env(env, unset),
                          cwd=cwd or REPO, timeout=timeout, check=False)


def run_envkit(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
               timeout: float = 60) -> CliResult:
    """`envkit_process`, as a CliResult."""
    proc = envkit_process(*args, env=env, cwd=cwd, timeout=timeout)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


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
