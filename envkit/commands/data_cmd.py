"""`envkit data aigw|aides`: generate training data for the bundled workloads.

Added to the envkit app by `register(app)` as the `data` group; lalsuite, galsim and h5py are
imported inside the commands, so importing this module is cheap.

Example:
    $ envkit data aigw --n 2048 -o data/aigw --preset smoke --workers 2
    $ envkit data aides --n 3000 -o data/aides --size 64 --preview aides.png
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from envkit.errors import EnvkitError

data_app = typer.Typer(help="Generate training data for the bundled workloads. Example: envkit data aigw --n 100 -o d",
                  no_args_is_help=True, add_completion=False, rich_markup_mode=None)

OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output folder (train.h5, val.h5, test.h5, "
                                                          "manifest.json).")]



def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise EnvkitError(f"--out {out}: exists and is not a folder")


IgnoreDiskOpt = Annotated[bool, typer.Option("--ignore-disk", help="Start even when the free disk looks short.")]


def _plan(estimate: Callable[[float | None], Any], out: Path, ignore_disk: bool) -> None:
    """Refuse (exit 2) when the free disk is short, unless told to go on (sizes are known without timing
    anything); then print the disk and time estimate (`estimate(None)` times two examples)."""
    from envkit.data import plan

    sized = estimate(0.0)
    already = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) if out.is_dir() else 0
    reason = plan.short_of_disk(sized, out, already)
    if reason and not ignore_disk:
        raise EnvkitError(reason)
    if reason:
        sys.stderr.write(f"warning: {reason.split('; ')[0]}; going on (--ignore-disk)\n")
    print(estimate(None).text(), flush=True)


@data_app.command("aigw")
def aigw_cmd(
    n: Annotated[int, typer.Option("--n", help="Number of waveforms (split 80/10/10).")],
    out: OutOpt,
    preset: Annotated[str, typer.Option(help="smoke (2,048 samples) or paper (101,300 samples).")] = "smoke",
    workers: Annotated[int | None, typer.Option(help="Processes (default: all cores).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the parameter draw and the noise.")] = 0,
    noise: Annotated[bool, typer.Option("--noise", help="Whiten with the aLIGO PSD and add noise.")] = False,
    chunk: Annotated[int, typer.Option(help="Waveforms per resumable chunk.")] = 64,
    amplitude: Annotated[str, typer.Option(help="raw (r h22 / M, as published) or peak (each scaled to 1).")] = "raw",
    layout: Annotated[str, typer.Option(help="random (n draws, 80/10/10) or grid:DQ,DS (train on the grid, "
                                             "test on its cell midpoints; --n ignored).")] = "random",
    ignore_disk: IgnoreDiskOpt = False,
) -> None:
    """IMRPhenomXAS (2,2)-mode waveforms in geometric units with targets q, s1, s2, chi_eff, S_eff.

    Example: envkit data aigw --n 2048 -o data/aigw --preset smoke
    """
    from envkit.data import aigw

    if n < 1:
        raise EnvkitError(f"--n must be at least 1, got {n}")
    if preset not in aigw.PRESETS:
        raise EnvkitError(f"--preset {preset!r}: choose from {', '.join(aigw.PRESETS)}")
    if workers is not None and workers < 1:
        raise EnvkitError(f"--workers must be at least 1, got {workers}")
    if chunk < 1:
        raise EnvkitError(f"--chunk must be at least 1, got {chunk}")
    if amplitude not in aigw.AMPLITUDES:
        raise EnvkitError(f"--amplitude {amplitude!r}: choose from {', '.join(aigw.AMPLITUDES)}")
    _check_out(out)
    from envkit.data import plan

    _plan(lambda per: plan.aigw_estimate(n, preset, workers, per), out, ignore_disk)
    try:
        m = aigw.generate(n, out, preset=preset, workers=workers, seed=seed, noise=noise, chunk=chunk,
                          amplitude=amplitude, layout=layout)
    except (ValueError, RuntimeError, OSError) as exc:
        from envkit.fsutil import disk_full

        raise EnvkitError(disk_full(str(exc), out) or str(exc)) from None
    sizes = "/".join(str(m["splits"][s]["n"]) for s in ("train", "val", "test"))
    print(f"aigw: {m['n']} waveforms x {m['length']} samples ({preset}) in {out}: train/val/test {sizes}")


@data_app.command("aides")
def aides_cmd(
    n: Annotated[int, typer.Option("--n", help="Number of stamps, half of each class (split 80/10/10).")],
    out: OutOpt,
    size: Annotated[int, typer.Option(help="Stamp size in pixels (64 smoke, 299 paper).")] = 64,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    workers: Annotated[int | None, typer.Option(help="Processes (default: all cores).")] = None,
    preview: Annotated[Path | None, typer.Option(help="Write a PNG grid of examples of each class.")] = None,
    ignore_disk: IgnoreDiskOpt = False,
) -> None:
    """GalSim spiral and elliptical galaxy stamps (Moffat PSF, Gaussian noise) with labels.

    Example: envkit data aides --n 3000 -o data/aides --size 64 --preview aides.png
    """
    from envkit.data import aides

    if n < 2:
        raise EnvkitError(f"--n must be at least 2, got {n}")
    if not 16 <= size <= 1024:
        raise EnvkitError(f"--size must be between 16 and 1024 pixels, got {size}")
    if workers is not None and workers < 1:
        raise EnvkitError(f"--workers must be at least 1, got {workers}")
    if preview is not None and preview.suffix.lower() != ".png":
        raise EnvkitError(f"--preview {preview}: expected a .png file name")
    _check_out(out)
    from envkit.data import plan

    _plan(lambda per: plan.aides_estimate(n, size, workers, per), out, ignore_disk)
    try:
        m = aides.generate(n, out, size=size, seed=seed, workers=workers, preview=preview)
    except (ValueError, RuntimeError, OSError) as exc:
        from envkit.fsutil import disk_full

        raise EnvkitError(disk_full(str(exc), out) or str(exc)) from None
    sizes = "/".join(str(m["splits"][s]["n"]) for s in ("train", "val", "test"))
    print(f"aides: {n} stamps of {size}x{size} in {out}: train/val/test {sizes}"
          + (f"; preview {preview}" if preview else ""))


def register(app: typer.Typer) -> None:
    """Add the `data` group to the envkit app."""
    app.add_typer(data_app, name="data")
