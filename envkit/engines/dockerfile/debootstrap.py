"""A Debian base image made locally with debootstrap, from the machine's own apt mirror.

Where no container registry can be reached, `FROM debian:bookworm` is satisfied by
`debootstrap --variant=minbase bookworm DIR MIRROR`, the tree tarred and imported.
The mirror comes from this machine's apt configuration (deb822 `*.sources` or
one-line `sources.list`), never from envkit's code.

Example:
    >>> entries = parse_deb822("Types: deb\\nURIs: http://mirror.example/debian\\nSuites: bookworm\\n")
    >>> entries[0].uri, entries[0].suites
    ('http://mirror.example/debian', ('bookworm',))
    >>> debian_suite("debian:12"), debian_suite("debian:bookworm-slim"), debian_suite("ubuntu:22.04")
    ('bookworm', 'bookworm', None)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from envkit.engines.proc import Command
from envkit.errors import EnvkitError

if TYPE_CHECKING:
    from envkit.recipe.model import Layer

APT_DIR = Path("/etc/apt")
DEBIAN_RELEASES = {"10": "buster", "11": "bullseye", "12": "bookworm", "13": "trixie"}


@dataclass(frozen=True)
class AptSource:
    """One `deb` source: a mirror URI, its suites and components."""

    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]


def parse_deb822(text: str) -> list[AptSource]:
    """Entries of a deb822 `.sources` file (only `Types: deb`, enabled ones)."""
    out: list[AptSource] = []
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[0].isspace():
                continue
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split() or fields.get("enabled", "yes").lower() == "no":
            continue
        for uri in fields.get("uris", "").split():
            out.append(AptSource(uri, tuple(fields.get("suites", "").split()),
                                 tuple(fields.get("components", "main").split())))
    return out


def parse_one_line(text: str) -> list[AptSource]:
    """Entries of a one-line `sources.list` (`deb [opts] URI SUITE COMPONENT...`)."""
    out: list[AptSource] = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words or words[0] != "deb":
            continue
        words = words[1:]
        if words and words[0].startswith("["):
            while words and not words[0].endswith("]"):
                words = words[1:]
            words = words[1:]
        if len(words) >= 2:
            out.append(AptSource(words[0], (words[1],), tuple(words[2:]) or ("main",)))
    return out


def apt_sources(apt_dir: Path = APT_DIR) -> list[AptSource]:
    """Every enabled `deb` source of this machine."""
    out: list[AptSource] = []
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        out += parse_deb822(path.read_text(errors="replace"))
    for path in [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]:
        if path.is_file():
            out += parse_one_line(path.read_text(errors="replace"))
    return out


def debian_suite(image: str) -> str | None:
    """The Debian suite a `debian:TAG` image name stands for, or None for any other image."""
    name, _, tag = image.partition(":")
    if name not in ("debian", "docker.io/debian", "docker.io/library/debian", "library/debian"):
        return None
    tag = (tag or "latest").split("-")[0]
    return DEBIAN_RELEASES.get(tag.split(".")[0], tag if tag.isalpha() and tag != "latest" else None)


def mirror_for(suite: str, sources: list[AptSource]) -> AptSource:
    """The machine's mirror that serves `suite` (raises a one-line error when none does)."""
    for src in sources:
        if suite in src.suites:
            return src
    raise EnvkitError(f"no apt source of this machine serves Debian {suite!r}; cannot debootstrap it",
                      hint="add it to /etc/apt/sources.list.d or pull the image from a registry")


def image_sources_list(suite: str, sources: list[AptSource]) -> str:
    """A sources.list for the image: the host's entries for `suite` and its -updates/-security."""
    lines = []
    for src in sources:
        for s in src.suites:
            if s == suite or s.startswith(f"{suite}-"):
                lines.append(f"deb {src.uri} {s} {' '.join(src.components)}")
    return "\n".join(dict.fromkeys(lines)) + "\n"


def debootstrap_argv(suite: str, target: Path, mirror: str) -> list[str]:
    """`debootstrap --variant=minbase SUITE TARGET MIRROR`."""
    return ["debootstrap", "--variant=minbase", suite, str(target), mirror]


def rootfs_commands(suite: str, work: Path, tarball: Path, import_cmd: Command) -> list[Command]:
    """debootstrap SUITE into `work` from this machine's mirror, write its sources.list, tar it to `tarball`,
    run the engine's `import_cmd`, then clean up (the commands, for a build or --dry-run to show)."""
    sources = apt_sources()
    mirror = mirror_for(suite, sources)
    return [
        Command(["rm", "-rf", str(work), str(tarball)], label="clean rootfs"),
        Command(debootstrap_argv(suite, work, mirror.uri), label="debootstrap"),
        Command(["sh", "-c", 'printf "%s" "$1" > "$2"', "sh", image_sources_list(suite, sources),
                 str(work / "etc/apt/sources.list")], label="apt sources"),
        Command(tar_argv(work, tarball), label="tar rootfs"),
        import_cmd,
        Command(["rm", "-rf", str(work), str(tarball)], label="clean rootfs"),
    ]


def base_commands(layer: Layer, root: Path, *, exists: Callable[[str], bool],
                  import_argv: Callable[[Path, str], list[str]], label: str) -> list[Command]:
    """The commands that make a layer's `FROM debian:SUITE` base locally (debootstrap, tar, the engine's import),
    or none: a layer with a parent, a base the engine's storage has (`exists(image)`), or a base that is not
    Debian (the engine pulls it from its registry). `import_argv(tarball, image)` is the engine's import line,
    run under `label`; everything lives under `root / "rootfs"`.

    Example:
        >>> from types import SimpleNamespace
        >>> layer = SimpleNamespace(parent=None, docker_from="ubuntu:22.04")
        >>> base_commands(layer, Path("/s"), exists=lambda image: False,
        ...               import_argv=lambda tar, image: ["import", str(tar), image], label="import")
        []
    """
    image = layer.docker_from
    if layer.parent is not None or exists(image):
        return []
    suite = debian_suite(image)
    if suite is None:
        return []
    tarball = root / "rootfs" / f"{suite}.tar"
    return rootfs_commands(suite, root / "rootfs" / suite, tarball, Command(import_argv(tarball, image), label=label))


def tar_argv(root: Path, tarball: Path) -> list[str]:
    """Tar a root file system for `ch-image import` (a tarball: a folder import copies /dev files)."""
    return ["tar", "-C", str(root), "-cf", str(tarball), "."]
