"""The container runtimes today's centres run: each one's documented command line pinned (the URL is in its
module's docstring), each selectable by `container.engine` and `--engine`, shown by `envkit submit` and
`envkit docs`, and refusing what it cannot do with one line."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomllib
from envkit_cli import run_inprocess

from envkit.engines.apptainer import Apptainer
from envkit.engines.base import get_engine
from envkit.engines.cscs_ce import CscsCe
from envkit.engines.enroot import Enroot
from envkit.engines.podman import Podman
from envkit.engines.shifter import Shifter
from envkit.registry import ENGINES

RUN_ONLY = ("shifter", "enroot", "cscs-ce")


def _site(tmp_path: Path, engine: str, launcher: str = "srun", extra: str = "") -> Path:
    """A Delta-like site (Slurm, A100) whose container engine is `engine`."""
    path = tmp_path / f"delta-{engine}.yaml"
    path.write_text(f"name: delta-{engine}\nextends: delta\ncontainer:\n  engine: {engine}\n  version: '1.0'\n"
                    f"  binds: [/projects]\n  source: '[check] test site'\n{extra}"
                    f"launcher:\n  kind: {launcher}\n  gpu_request: gpus-per-task\n  source: '[check] test'\n")
    return path


def test_apptainer_gpu_flags_nv_nvccli_rocm() -> None:
    """Apptainer's GPU guide: --nv, --nvccli (with --nv), --rocm."""
    assert Apptainer().exec_argv("i.sif", ["x"], gpu="nvidia")[:3] == ["apptainer", "exec", "--nv"]
    assert Apptainer().exec_argv("i.sif", ["x"], gpu="nvccli")[:4] == ["apptainer", "exec", "--nv", "--nvccli"]
    assert Apptainer().exec_argv("i.sif", ["x"], gpu="amd")[:3] == ["apptainer", "exec", "--rocm"]
    assert "--nv" not in Apptainer().exec_argv("i.sif", ["x"], gpu=False)


def test_nvccli_from_the_profile_reaches_the_run_line(tmp_path: Path) -> None:
    site = _site(tmp_path, "apptainer", extra="  nvccli: true\n")
    res = run_inprocess("run", "--site", str(site), "workloads/aigw", "--np", "1", "--dry-run", "--store",
                        str(tmp_path / "store"))
    assert res.code == 0, res.output
    assert " apptainer exec --nv --nvccli --bind " in res.out


def test_nvccli_on_an_engine_without_it_is_one_line(tmp_path: Path) -> None:
    res = run_inprocess("site", "validate", str(_site(tmp_path, "podman", "srun", "  nvccli: true\n")))
    assert res.code == 2 and "container.nvccli is an Apptainer/SingularityCE option" in res.err
    assert len(res.err.strip().splitlines()) == 1


def test_podman_run_line() -> None:
    """podman-run(1): --rm, host IPC/PID/network, -v binds, --env, CDI GPUs; envkit's own storage and config."""
    argv = Podman().exec_argv("/s/podman/envkit-local-aigw", ["python3", "-V"], binds=["/data", "/r:/results"],
                              env=[("A", "1")], gpu=True, host_env=True)
    assert argv[:2] == ["env", "CONTAINERS_CONF=/s/podman/containers.conf"]
    assert argv[2:9] == ["podman", "--root", "/s/podman/storage", "--runroot", "/s/podman/run",
                         "--storage-driver", "overlay"]
    assert argv[9:15] == ["run", "--rm", "--ipc", "host", "--pid", "host"]
    assert ["--device", "nvidia.com/gpu=all"] == argv[15:17]
    assert "--env=OMPI_*" in argv and "--env=SLURM_*" in argv
    for pair in (["-v", "/tmp:/tmp"], ["-v", "/data:/data"], ["-v", "/r:/results"], ["--env", "A=1"]):
        assert any(argv[i:i + 2] == pair for i in range(len(argv))), pair
    assert argv[-3:] == ["localhost/envkit-local-aigw", "python3", "-V"]


def test_shifter_run_line() -> None:
    """shifter --image=docker:IMAGE --volume=SRC:DST (Shifter docs), --module=gpu (NERSC)."""
    assert Shifter().exec_argv("docker:img:latest", ["python3"], binds=["/a", "/b:/c"], gpu=True,
                               env=[("K", "v")]) == \
        ["shifter", "--image=docker:img:latest", "--module=gpu", "--volume=/a:/a", "--volume=/b:/c", "env", "K=v",
         "python3"]


def test_enroot_pyxis_options_and_standalone_line() -> None:
    """pyxis: srun --container-image=... --container-mounts=SRC:DST,...; enroot start --mount --env IMAGE."""
    assert Enroot().container_options("/s/e/x.sqsh", binds=["/a", "/b:/c:ro"]) == \
        ["--container-image=/s/e/x.sqsh", "--container-mounts=/a:/a,/b:/c:ro", "--no-container-mount-home"]
    assert Enroot().exec_argv("/s/e/x.sqsh", ["id"], binds=["/a"], env=[("K", "v")]) == \
        ["enroot", "start", "--mount", "/a:/a", "--env", "K=v", "/s/e/x.sqsh", "id"]


def test_cscs_edf_is_toml_with_the_profile_facts() -> None:
    """The EDF (docs.cscs.ch container-engine/edf): image, mounts, [env], the NCCL hook on GPU sites."""
    edf = tomllib.loads(CscsCe().edf("/s/c/x.sqsh", binds=["/capstor", "/r:/opt/envkit/results"],
                                     env=[("OMP_NUM_THREADS", "1")], gpu=True))
    assert edf == {"image": "/s/c/x.sqsh", "mounts": ["/capstor:/capstor", "/r:/opt/envkit/results"],
                   "env": {"OMP_NUM_THREADS": "1"}, "annotations": {"com": {"hooks": {"aws_ofi_nccl": {
                       "enabled": "true"}}}}}
    assert CscsCe().container_options("/s/c/x.sqsh") == ["--environment=/s/c/x.toml"]


@pytest.mark.parametrize("engine", ["podman", *RUN_ONLY])
def test_each_engine_is_selectable_and_shows_in_run_submit_and_docs(tmp_path: Path, engine: str) -> None:
    site = str(_site(tmp_path, engine))
    store = str(tmp_path / "store")
    assert run_inprocess("site", "validate", site).code == 0
    expect = {"podman": " podman ", "shifter": " shifter --image=docker:envkit-delta-",
              "enroot": " --container-image=", "cscs-ce": " --environment="}[engine]
    run = run_inprocess("run", "--site", site, "workloads/aigw", "--np", "1", "--dry-run", "--store", store)
    assert run.code == 0 and expect in run.out, run.output
    submit = run_inprocess("submit", "--site", site, "workloads/aigw", "--nodes", "2", "--dry-run", "--store", store)
    assert submit.code == 0 and expect in submit.out, submit.output
    docs = run_inprocess("docs", "--site", site)
    assert docs.code == 0 and get_engine(engine).display_name in docs.out
    if engine in RUN_ONLY:
        assert f"envkit build --site delta-{engine} --engine podman" in docs.out
        assert get_engine(engine).import_line.split()[0] in docs.out   # shifterimg/enroot import line
    # and the same engine by --engine on a site that names another
    other = run_inprocess("run", "--site", "delta", "--engine", engine, "workloads/aigw", "--np", "1",
                          "--dry-run", "--store", store)
    assert other.code == 0 and expect in other.out, other.output


@pytest.mark.parametrize("engine", RUN_ONLY)
def test_a_run_only_engine_refuses_to_build_naming_its_builder(tmp_path: Path, engine: str) -> None:
    res = run_inprocess("build", "--site", str(_site(tmp_path, engine)), "--store", str(tmp_path / "store"))
    assert res.code != 0
    assert f"the {engine} engine only runs images: build them with `envkit build --engine podman`" in res.err
    assert len(res.err.strip().splitlines()) == 1 and "Traceback" not in res.err


@pytest.mark.parametrize("engine", ["enroot", "cscs-ce"])
def test_an_engine_that_runs_through_srun_refuses_another_launcher(tmp_path: Path, engine: str) -> None:
    res = run_inprocess("site", "validate", str(_site(tmp_path, engine, launcher="mpirun")))
    assert res.code == 2 and f"container.engine {engine} runs ranks through srun" in res.err
    res = run_inprocess("run", "--site", "delta", "--engine", engine, "--launcher", "mpirun", "workloads/aigw",
                        "--np", "1", "--dry-run", "--store", str(tmp_path / "store"))
    assert res.code == 2 and "use launcher.kind srun" in res.err and len(res.err.strip().splitlines()) == 1


def test_every_engine_has_the_facts_the_docs_and_checks_read() -> None:
    for name in ENGINES.names():
        engine = get_engine(name)
        assert engine.display_name and engine.install_hint and engine.fmt in ("docker", "singularity")
        if engine.builder is not None:
            assert get_engine(engine.builder).builder is None, f"{name}'s builder must build"


def test_preparing_a_cscs_run_writes_its_edf_from_the_profile(tmp_path: Path) -> None:
    from envkit.launch.run import prepare_container

    ref, stale = prepare_container("delta", "aigw", engine="cscs-ce", store=tmp_path / "store",
                                   results=tmp_path / "results")
    edf = tomllib.loads(Path(CscsCe.edf_path(ref.image)).read_text())
    assert edf["image"] == ref.image and ref.image.endswith("cscs-ce/envkit-delta-aigw.sqsh")
    site_binds = [b if ":" in b else f"{b}:{b}" for b in ref.binds]   # the profile's binds and MPI paths
    assert "/projects:/projects" in site_binds
    assert edf["mounts"] == [*site_binds, f"{(tmp_path / 'results').resolve()}:/opt/envkit/results"]
    assert edf["annotations"]["com"]["hooks"]["aws_ofi_nccl"]["enabled"] == "true"   # Delta has NVIDIA GPUs


def test_podman_hpc_builds_migrates_and_runs_with_mpi_and_gpu(tmp_path: Path) -> None:
    """NERSC's podman-hpc: build, then `podman-hpc migrate IMAGE`; `podman-hpc run --rm --mpi --gpu`."""
    from envkit.engines.base import BuildRequest
    from envkit.engines.podman_hpc import PodmanHpc
    from envkit.profile import load_profile
    from envkit.recipe.formats import render_layer
    from envkit.recipe.layers import site_layer

    layer = site_layer(load_profile("local"))
    req = BuildRequest(layer=layer, files=render_layer(layer, "docker", "local"), site="local",
                       root=tmp_path, tmp_name="envkit-local.tmp-1", log=tmp_path / "log")
    cmds = PodmanHpc().build_commands(req)
    assert cmds[-2].argv[:2] == ["podman-hpc", "build"] and "localhost/envkit-local.tmp-1" in cmds[-2].argv
    assert cmds[-1].argv == ["podman-hpc", "migrate", "localhost/envkit-local.tmp-1"]
    assert PodmanHpc().exec_argv("/s/podman-hpc/img", ["id"], binds=["/pscratch"], env=[("A", "1")], gpu=True) == \
        ["podman-hpc", "run", "--rm", "--mpi", "--gpu", "-v", "/pscratch:/pscratch", "-e", "A=1", "localhost/img",
         "id"]
    site = str(_site(tmp_path, "podman-hpc"))
    run = run_inprocess("run", "--site", site, "workloads/aigw", "--np", "1", "--dry-run", "--store",
                        str(tmp_path / "store"))
    assert run.code == 0 and " podman-hpc run --rm --mpi --gpu " in run.out, run.output
    assert "podman-hpc" in run_inprocess("docs", "--site", site).out


def test_podman_build_mounts_only_the_download_cache_read_write(tmp_path: Path) -> None:
    """The install script keeps apt's .deb files in the store's cache: a read-only cache failed the first real
    podman-built base ("mkdir: cannot create directory '.../cache/apt': Read-only file system")."""
    from envkit.engines.base import BuildRequest
    from envkit.engines.dockerfile.staging import BuildExtras
    from envkit.engines.podman import Podman
    from envkit.profile import load_profile
    from envkit.recipe.formats import render_layer
    from envkit.recipe.layers import site_layer

    layer = site_layer(load_profile("local"))
    req = BuildRequest(layer=layer, files=render_layer(layer, "docker", "local"), site="local",
                       root=tmp_path, tmp_name="envkit-local.tmp-1", log=tmp_path / "log")
    staged = BuildExtras.make(req)
    try:
        assert staged.writable == (f"{tmp_path / 'cache'}:{staged.folder / 'cache'}",)
        readonly = [bind for bind in staged.binds if bind not in staged.writable]
        argv = Podman().build_commands(req, {}, readonly, staged.writable)[-1].argv
    finally:
        staged.cleanup()
    volumes = [argv[i + 1] for i, word in enumerate(argv) if word == "-v"]
    assert volumes[-1] == f"{tmp_path / 'cache'}:{staged.folder / 'cache'}:rw"
    assert all(volume.endswith(":ro") for volume in volumes[:-1])


def test_podman_refuses_a_store_too_deep_for_its_runroot_in_one_line(tmp_path: Path) -> None:
    """podman itself stops with "the specified runroot is longer than 50 characters"; envkit says why first."""
    from envkit.engines.podman import RUNROOT_MAX, Podman
    from envkit.errors import EnvkitError

    deep = tmp_path / ("x" * RUNROOT_MAX) / "podman"
    with pytest.raises(EnvkitError, match="longer than 50 characters") as caught:
        Podman().write_config(deep)
    assert str(deep / "run") in str(caught.value) and "\n" not in str(caught.value)
    assert not (deep / "containers.conf").exists()
