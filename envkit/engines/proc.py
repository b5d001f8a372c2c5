"""Run an engine command: output streamed line by line to a log file and a callback.

The child gets PR_SET_PDEATHSIG, so a build killed with SIGKILL takes its engine
process with it instead of leaving an orphan that holds the engine's storage.

Example:
    >>> import tempfile, pathlib
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "x.log"
    >>> run_logged(Command(["echo", "hi"]), log)
    0
    >>> log.read_text().splitlines()[-1]
    'hi'
"""

from __future__ import annotations

import ctypes
import os
import shlex
import signal
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from envkit.errors import EnvkitError

PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Command:
    """One process to run: argv, working folder, extra environment."""

    argv: Sequence[str]
    cwd: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    label: str = ""

    def shell(self) -> str:
        """The command as one copy-pasteable shell line (`cd DIR && VAR=x argv...`)."""
        words = [f"{k}={shlex.quote(v)}" for k, v in self.env.items() if k != "PATH"]
        line = " ".join([*words, *(shlex.quote(str(a)) for a in self.argv)])
        return f"cd {shlex.quote(self.cwd)} && {line}" if self.cwd else line


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def child_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The host environment plus `extra` (USER filled in: Charliecloud refuses to run without it)."""
    env = dict(os.environ)
    if not env.get("USER"):
        import pwd

        env["USER"] = pwd.getpwuid(os.getuid()).pw_name
    env.update(extra)
    return env


def run_logged(cmd: Command, log: Path, on_line: Callable[[str], None] | None = None) -> int:
    """Run `cmd`, append its merged output to `log`, call `on_line` per line; return the exit code."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a", encoding="utf-8", errors="replace") as sink:
        sink.write(f"$ {cmd.shell()}\n")
        sink.flush()
        if on_line is not None:   # progress and timing see which tool runs now
            on_line(f"$ {cmd.shell()}")
        try:
            proc = subprocess.Popen(
                [str(a) for a in cmd.argv], cwd=cmd.cwd, env=child_env(cmd.env),
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,  # noqa: PLW1509
            )
        except FileNotFoundError:
            raise EnvkitError(f"command not found: {cmd.argv[0]}") from None
        assert proc.stdout is not None
        try:
            for raw in proc.stdout:
                line = raw.decode("utf-8", errors="replace").rstrip("\n")
                sink.write(line + "\n")
                sink.flush()
                if on_line is not None:
                    on_line(line)
            return proc.wait()
        except BaseException:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            raise


def run_capture(argv: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 600,
                input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run a short command and capture its output (inspections, probes, versions)."""
    try:
        return subprocess.run([str(a) for a in argv], env=child_env(env or {}), capture_output=True, text=True,
                              timeout=timeout, input=input_text, preexec_fn=_die_with_parent)  # noqa: PLW1509
    except FileNotFoundError:
        raise EnvkitError(f"command not found: {argv[0]}") from None
    except subprocess.TimeoutExpired:
        raise EnvkitError(f"{argv[0]} took longer than {timeout:.0f} s") from None
