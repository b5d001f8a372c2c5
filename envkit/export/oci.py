"""OCI image archives (`oci-archive`, `docker-archive`) of an image tree, rootless, with umoci and skopeo.

One layer holds the whole tree (a GNU tar with sorted entries, owner 0, every mtime the
image's build time); `umoci raw add-layer` puts it in a fresh OCI layout, `umoci config`
writes the image config: `Env` (the image's environment), `Labels`, `Cmd`, architecture,
OS, created time. An `oci-archive` is that layout as a tar (written by GNU tar, sorted, fixed
times, so it is reproducible); a `docker-archive` is `skopeo copy oci:LAYOUT docker-archive:FILE`,
the form `podman load` and `apptainer build x.sif docker-archive://x.tar` take.

Example:
    >>> layer_tar_argv(Path("/img"), Path("/l.tar"), 1795942800)[:4]
    ['tar', '--create', '--file', '/l.tar']
    >>> config_argv("/o:envkit", {"A": "1"}, {"k": "v"}, ["/bin/bash"], "amd64", "2026-11-29T09:00:00Z")[-6:]
    ['--config.env', 'A=1', '--config.label', 'k=v', '--config.cmd', '/bin/bash']
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from envkit.errors import EnvkitError
from envkit.export.tools import require, run_tool

OCI_FORMATS = ("oci", "docker-archive")


def layer_tar_argv(tree: Path, out: Path, epoch: int) -> list[str]:
    """A reproducible tar of `tree`'s contents (paths as ./x)."""
    return ["tar", "--create", "--file", str(out), "--directory", str(tree), "--sort=name", "--format=gnu",
            f"--mtime=@{epoch}", "--owner=0", "--group=0", "--numeric-owner", "--no-acls", "--no-xattrs",
            "--no-selinux", "."]


def config_argv(image: str, env: dict[str, str], labels: dict[str, str], cmd: list[str], arch: str,
                created: str) -> list[str]:
    """`umoci config` for the image config (no history entry: history would carry the export time)."""
    argv = ["umoci", "config", "--no-history", "--image", image, "--created", created, "--architecture", arch,
            "--os", "linux", "--config.workingdir", "/"]
    for key, value in env.items():
        argv += ["--config.env", f"{key}={value}"]
    for key, value in sorted(labels.items()):
        argv += ["--config.label", f"{key}={value}"]
    for word in cmd:
        argv += ["--config.cmd", word]
    return argv


def write_oci(tree: Path, out: Path, *, fmt: str, name: str, env: dict[str, str], labels: dict[str, str],
              cmd: list[str], arch: str, created: str, epoch: int) -> Path:
    """Write an `oci` (oci-archive) or `docker-archive` tar of `tree` at `out` (whole or not at all)."""
    if fmt not in OCI_FORMATS:
        raise EnvkitError(f"OCI format must be one of {', '.join(OCI_FORMATS)}, got {fmt!r}")
    require("umoci", "tar", *(["skopeo"] if fmt == "docker-archive" else []))
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="envkit-oci-", dir=out.parent) as work:
        folder = Path(work)
        layout, layer = folder / "layout", folder / "layer.tar"
        image = f"{layout}:{_tag(name)}"
        run_tool(layer_tar_argv(tree, layer, epoch), f"archiving {tree}", nice=True)
        run_tool(["umoci", "init", "--layout", str(layout)], "creating the OCI layout")
        run_tool(["umoci", "new", "--image", image], "creating the OCI image")
        run_tool(["umoci", "raw", "add-layer", "--no-history", "--image", image, str(layer)],
                 "adding the image layer", nice=True)
        layer.unlink()
        run_tool(config_argv(image, env, labels, cmd, arch, created), "writing the image config")
        run_tool(["umoci", "gc", "--layout", str(layout)], "dropping unused blobs")
        tmp = folder / "image.tar"
        if fmt == "oci":
            # an oci-archive is the layout as a tar; GNU tar with fixed times makes it reproducible
            run_tool(layer_tar_argv(layout, tmp, epoch), "archiving the OCI layout")
        else:
            run_tool(["skopeo", "copy", "--quiet", f"oci:{image}", f"docker-archive:{tmp}:{name}:{_tag(name)}"],
                     "writing the docker-archive")
        os.replace(tmp, out)
    return out


def _tag(name: str) -> str:
    return name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else "latest"
