"""Podman: `podman build` builds the Dockerfile form, `podman run` runs it (rootful, Debian 12's podman 4.3).

Everything envkit knows about Podman is here: how it builds, runs, passes binds, GPUs and the launcher's
environment, where its images live, and the configuration it needs.

Storage: one Podman storage per envkit store, `<store>/podman/storage` (`podman --root`, with `--runroot`
beside it), so envkit never touches the machine's own images. The storage driver is `overlay`: as root the
kernel's overlayfs works on ext4/xfs and each layer stores only its own files (`vfs`, the fallback that
works everywhere, copies the whole parent image into every layer: 6.6 GB of torch again per layer).

Configuration: envkit writes its own `containers.conf` into that folder and points CONTAINERS_CONF at it,
never editing /etc. On machines like envkit's CI (a VM with hybrid cgroups, where RLIMIT_NOFILE cannot be
raised) `podman run` fails with "error setting rlimits" until `default_ulimits = []`; `crun` refuses hybrid
cgroups ("cgroups in hybrid mode not supported"), so the runtime is `runc`; `cgroup_manager = "cgroupfs"`
since no systemd runs the containers. (Measured on Debian 12, podman 4.3.1, runc 1.1.5.)

Documented command lines: podman-build(1) `-f FILE -t TAG --build-arg K=V -v SRC:DST:ro --pull=never`;
podman-run(1) `--rm --network host --ipc host --pid host -v SRC:DST -e K=V -e 'PREFIX*'`
(https://docs.podman.io/en/v4.3/markdown/podman-run.1.html); NVIDIA GPUs by CDI, `--device
nvidia.com/gpu=all` (https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/cdi-support.html);
AMD GPUs `--device /dev/kfd --device /dev/dri` (https://rocm.docs.amd.com/projects/install-on-linux/en/latest/
how-to/docker.html).

Example:
    >>> Podman().exec_argv("/s/podman/envkit-local", ["python3", "-V"])[-4:]
    ['host', 'localhost/envkit-local', 'python3', '-V']
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from envkit.engines.base import BuildRequest, Engine, GpuKind, LineSink, bind_spec, register_engine, repeat_flag
from envkit.engines.proc import Command, run_capture, run_logged
from envkit.errors import EnvkitError
from envkit.paths import RECIPES

CONTAINERS_CONF = """\
# Written by envkit (envkit.engines.podman): used through CONTAINERS_CONF, /etc is never edited.
[containers]
# hybrid-cgroup VMs cannot raise RLIMIT_NOFILE to Podman's default: keep the caller's limits
default_ulimits = []

[engine]
# crun refuses hybrid cgroups; runc works
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""

# podman 4.3: "Error: the specified runroot is longer than 50 characters" (measured here)
RUNROOT_MAX = 50

# Host variables a launched rank needs inside the container (rank, PMI/PMIx, scheduler, envkit's own).
RANK_ENV_PREFIXES = ("OMPI_", "PMIX_", "PMI_", "MPI_", "HYDRA_", "SLURM_", "PALS_", "ENVKIT_", "MASTER_",
                     "RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE")


@register_engine
class Podman(Engine):
    """Podman 4.x as root: builds the Docker form, runs ranks with the host's network, IPC and PIDs."""

    name = "podman"
    display_name = "Podman"
    binary = "podman"
    install_hint = "apt-get install podman runc (Debian 12 ships podman 4.3)"
    fmt = "docker"
    image_format = "OCI image in Podman's storage (podman save: oci-archive, docker-archive)"
    storage_driver = "overlay"

    # -- where images live -----------------------------------------------------------------------------------
    def image_path(self, root: Path, name: str) -> Path:
        """`<store>/podman/<tag>`: names the image `localhost/<tag>` in the storage under `<store>/podman`."""
        return Path(root) / name

    def podman(self, root: Path) -> list[str]:
        """`env CONTAINERS_CONF=... podman --root ... --runroot ... --storage-driver overlay` for store `root`."""
        root = Path(root)
        return ["env", f"CONTAINERS_CONF={root / 'containers.conf'}", self.binary, "--root", str(root / "storage"),
                "--runroot", str(root / "run"), "--storage-driver", self.storage_driver]

    @staticmethod
    def ref(image: str | Path) -> str:
        """The Podman reference of an image path: `/s/podman/envkit-local` -> `localhost/envkit-local`."""
        return f"localhost/{Path(image).name}"

    def write_config(self, root: Path) -> Path:
        """Write envkit's containers.conf into the store folder (when it differs); returns its path."""
        from envkit.fsutil import atomic_write_text

        runroot = str(Path(root) / "run")
        if len(runroot) > RUNROOT_MAX:
            raise EnvkitError(f"podman refuses a --runroot longer than {RUNROOT_MAX} characters, and envkit's would be "
                              f"{runroot} ({len(runroot)})", hint="point ENVKIT_STORE (or --store) at a shorter folder")
        path = Path(root) / "containers.conf"
        if not path.is_file() or path.read_text() != CONTAINERS_CONF:
            atomic_write_text(path, CONTAINERS_CONF)
        return path

    def _query(self, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
        self.write_config(root)
        return run_capture([*self.podman(root), *args], timeout=120)

    def image_exists(self, root: Path, name: str) -> bool:
        if not self.available() or not Path(root).is_dir():
            return False
        return self._query(root, "image", "exists", self.ref(name)).returncode == 0

    # -- build ------------------------------------------------------------------------------------------------
    def context_dir(self, req: BuildRequest) -> Path:
        """The staged build context of a layer."""
        return req.root / "contexts" / req.layer.tag

    def base_commands(self, req: BuildRequest) -> list[Command]:
        """debootstrap + `podman import` for a `FROM debian:SUITE` base missing from the storage (else nothing)."""
        from envkit.engines.dockerfile.debootstrap import base_commands

        return base_commands(req.layer, req.root, exists=lambda image: self.image_exists(req.root, image),
                             import_argv=lambda tar, image: [*self.podman(req.root), "import", str(tar), image],
                             label="podman import")

    def build_commands(self, req: BuildRequest, args: dict[str, str] | None = None,
                       binds: Sequence[str] = (), writable: Sequence[str] = ()) -> list[Command]:
        """`podman build`: `binds` mounted read-only, then `writable` (the store's download cache) read-write."""
        ctx = self.context_dir(req)
        argv = [*self.podman(req.root), "build", "--pull=never", "--layers=false", "-f", str(ctx / "Dockerfile"),
                "-t", self.ref(req.tmp_name)]
        if req.rebuild:
            argv.append("--no-cache")
        for bind in binds:
            argv += ["-v", f"{bind}:ro"]
        for bind in writable:
            argv += ["-v", f"{bind}:rw"]
        for key, value in (args or {}).items():
            argv += ["--build-arg", f"{key}={value}"]
        argv.append(str(ctx))
        return [*self.base_commands(req), Command(argv, label="podman build")]

    def build(self, req: BuildRequest, on_line: LineSink | None = None) -> None:
        from envkit.engines.dockerfile.context import stage_context
        from envkit.engines.dockerfile.staging import BuildExtras
        from envkit.store.filelock import FileLock
        from envkit.store.paths import engine_lock

        self.require()
        req.root.mkdir(parents=True, exist_ok=True)
        self.write_config(req.root)
        staged = BuildExtras.make(req)
        # real root in the build: apt needs no fakeroot shim (BASH_ENV is Charliecloud's)
        args = {k: v for k, v in staged.args.items() if k != "BASH_ENV"}
        writable = staged.writable
        binds = [*([f"{staged.folder}:{staged.folder}"] if staged.folder else []),
                 *(bind for bind in staged.binds if bind not in writable)]
        try:
            stage_context(self.context_dir(req), req, list(args))
            with FileLock(engine_lock(req.root), on_wait=on_line):
                for cmd in self.build_commands(req, args, binds, writable):
                    rc = run_logged(cmd, req.log, on_line)
                    if rc != 0:
                        raise EnvkitError(f"{cmd.label} failed with exit code {rc} (log: {req.log})")
        finally:
            staged.cleanup()

    def test_command(self, req: BuildRequest) -> Command | None:
        image = str(self.image_path(req.root, req.tmp_name))
        return Command(self.exec_argv(image, ["/bin/bash", f"{RECIPES}/{req.layer.test_name}"]), label="layer test")

    def promote(self, root: Path, tmp_name: str, name: str) -> None:
        """Tag the new image with the layer's name (one step), drop the temporary name, then remove the image the
        name held before (left untagged it would keep its layers in the storage for ever; a child image that still
        uses it keeps it, and that refusal is ignored)."""
        before = self._query(root, "image", "inspect", "--format", "{{.Id}}", self.ref(name))
        old_id = before.stdout.strip() if before.returncode == 0 else ""
        for args in (("tag", self.ref(tmp_name), self.ref(name)), ("rmi", self.ref(tmp_name))):
            proc = self._query(root, *args)
            if proc.returncode != 0:
                raise EnvkitError(f"podman {args[0]} failed: {' '.join(proc.stderr.split())[:300]}")
        now = self._query(root, "image", "inspect", "--format", "{{.Id}}", self.ref(name)).stdout.strip()
        if old_id and old_id != now:
            self._query(root, "rmi", old_id)

    def discard(self, root: Path, tmp_name: str) -> None:
        if self.available() and Path(root).is_dir():
            self._query(root, "rmi", "-f", self.ref(tmp_name))

    def stale_images(self, root: Path, name: str) -> list[str]:
        if not self.available() or not Path(root).is_dir():
            return []
        proc = self._query(root, "images", "--format", "{{.Repository}}")
        prefix = f"localhost/{name}.tmp-"
        return sorted({line[len("localhost/"):] for line in proc.stdout.split() if line.startswith(prefix)})

    def build_argv(self, definition: str, image: str, *, fakeroot: bool = True) -> list[str] | None:
        """`podman build -f Dockerfile -t IMAGE .` (the docs' by-hand line)."""
        return [self.binary, "build", "-f", definition, "-t", image, "."]

    # -- run --------------------------------------------------------------------------------------------------
    def gpu_flags(self, gpu: GpuKind) -> list[str]:
        """CDI for NVIDIA (`--device nvidia.com/gpu=all`), the ROCm devices for AMD."""
        if gpu == "amd":
            return ["--device", "/dev/kfd", "--device", "/dev/dri"]
        return ["--device", "nvidia.com/gpu=all"] if gpu else []

    def exec_argv(self, image: str, command: Sequence[str], *, binds: Sequence[str] = (),
                  env: Sequence[tuple[str, str]] = (), gpu: GpuKind = False, host_env: bool = False) -> list[str]:
        # Ranks share the host's network (gloo/NCCL sockets), IPC (/dev/shm) and PIDs (Open MPI's shared memory
        # and PMIx check their peers' processes); /tmp holds the PMIx server's rendezvous files.
        root = Path(image).parent
        argv = [*self.podman(root), "run", "--rm", "--ipc", "host", "--pid", "host", *self.gpu_flags(gpu)]
        if host_env:
            binds = ["/tmp:/tmp", *binds]
            argv += [f"--env={prefix}*" for prefix in RANK_ENV_PREFIXES]
        argv += repeat_flag("-v", map(bind_spec, binds))
        argv += repeat_flag("--env", (f"{key}={value}" for key, value in env))
        return [*argv, "--network", "host", self.ref(image), *command]
