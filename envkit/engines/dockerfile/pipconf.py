"""The host's pip settings, made usable inside an unprivileged build.

A site with a proxy, a private CA, a local wheel folder or a `file://` index keeps
those in pip's configuration (`pip config list`) or in PIP_* variables. A build
needs the same settings, but the paths they name are host paths: each local
folder is bind-mounted into the build under a staging folder, small files (CA
bundle, constraints) are copied there, and the PIP_* values are rewritten to
point at the staged copies. Nothing here is written into the image.

The staging folder lives under /tmp because ch-run shares the host's /tmp with
every RUN of a ch-image build, so bind targets made there exist inside the build.

Example:
    >>> settings = parse_config_list("global.find-links='/srv/wheels'\\n:env:.default-timeout='60'\\n")
    >>> settings["find-links"], settings["default-timeout"]
    ('/srv/wheels', '60')
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

# pip option -> variable; only the options that say where and how to fetch.
PIP_KEYS: dict[str, str] = {
    "index-url": "PIP_INDEX_URL",
    "extra-index-url": "PIP_EXTRA_INDEX_URL",
    "find-links": "PIP_FIND_LINKS",
    "no-index": "PIP_NO_INDEX",
    "cert": "PIP_CERT",
    "client-cert": "PIP_CLIENT_CERT",
    "constraint": "PIP_CONSTRAINT",
    "trusted-host": "PIP_TRUSTED_HOST",
    "proxy": "PIP_PROXY",
    "default-timeout": "PIP_DEFAULT_TIMEOUT",
    "retries": "PIP_RETRIES",
    "disable-pip-version-check": "PIP_DISABLE_PIP_VERSION_CHECK",
}
_RANK = {"global": 0, "user": 1, "site": 2, ":env:": 3}
SHARED_TMP = "/tmp"


def parse_config_list(text: str) -> dict[str, str]:
    """`pip config list` output -> {option: value}, environment over site over user over global."""
    best: dict[str, tuple[int, str]] = {}
    for line in text.splitlines():
        if "=" not in line or "." not in line.split("=", 1)[0]:
            continue
        name, value = line.split("=", 1)
        variant, _, option = name.rpartition(".")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        rank = _RANK.get(variant, 0)
        if option not in best or rank >= best[option][0]:
            best[option] = (rank, value)
    return {k: v for k, (_, v) in best.items()}


def host_pip_settings(python: str | None = None) -> dict[str, str]:
    """Read the host's effective pip settings (PIP_* variables included), only the fetch options."""
    try:
        out = subprocess.run([python or sys.executable, "-m", "pip", "config", "list"],
                             capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        out = ""
    settings = parse_config_list(out)
    for option, var in PIP_KEYS.items():  # variables pip did not list (older pips)
        if var in os.environ and option not in settings:
            settings[option] = os.environ[var]
    return {k: v for k, v in settings.items() if k in PIP_KEYS}


@dataclass
class StagedPip:
    """Build-time PIP_* values, bind mounts (SRC:DST) and the staging folder to delete afterwards."""

    args: dict[str, str] = field(default_factory=dict)
    binds: list[str] = field(default_factory=list)
    folder: Path | None = None

    def cleanup(self) -> None:
        """Remove the staging folder (binds are gone once the build ends)."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def _local_path(value: str) -> Path | None:
    if value.startswith("file://"):
        return Path(unquote(urlparse(value).path))
    if value.startswith("/"):
        return Path(value)
    return None


def stage_pip(settings: dict[str, str], folder: Path | None = None) -> StagedPip:
    """Rewrite `settings` for use inside a build; local folders are bound, small files copied into `folder`.

    `folder` must be visible inside the build at the same path (by default a new one under /tmp).
    """
    staged = StagedPip()
    if not settings:
        return staged
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="envkit-pip-", dir=SHARED_TMP))
        os.chmod(folder, 0o755)
        staged.folder = folder
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    count = 0

    def bind(src: Path) -> Path:
        nonlocal count
        dst = folder / f"b{count}"
        count += 1
        dst.mkdir()
        staged.binds.append(f"{src}:{dst}")
        return dst

    for option, value in settings.items():
        var = PIP_KEYS[option]
        if option in ("cert", "client-cert", "constraint"):
            src = _local_path(value)
            if src is not None and src.is_file():
                dst = folder / f"{option}-{src.name}"
                shutil.copyfile(src, dst)
                staged.args[var] = str(dst)
            continue
        if option in ("index-url", "extra-index-url", "find-links"):
            words = []
            for word in value.split():
                src = _local_path(word)
                if src is None or not src.exists():
                    words.append(word)
                elif src.is_file():
                    dst = folder / f"{count}-{src.name}"
                    count += 1
                    shutil.copyfile(src, dst)
                    words.append(str(dst))
                elif option == "find-links":
                    words.append(str(bind(src)))
                else:
                    # A PEP 503 index often links to a sibling folder (../../files): bind its parent.
                    parent = src.parent if src.parent != src.parent.parent else src
                    mounted = bind(parent)
                    inner = mounted / src.relative_to(parent) if parent != src else mounted
                    words.append(f"file://{inner}")
            staged.args[var] = " ".join(words)
            continue
        staged.args[var] = value
    return staged
