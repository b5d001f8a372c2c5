"""Shared parts of the hostile-input tests: the CLI in-process and bounded, outcome checks, a sandboxed bash.

Example:
    >>> ok_outcome(2, "", "error: x.yaml:3: title: bad\\n")
    ''
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
HOSTILE = HERE / "hostile"
GOOD = REPO / "tests" / "core" / "data" / "good.yaml"
ALLOWED_CODES = {0, 1, 2}  # done, the job failed, bad input (70 is a bug; a traceback is never allowed)


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
