"""Minimum NVIDIA Linux driver for each CUDA toolkit release.

Figures from NVIDIA's CUDA Toolkit release notes (table "CUDA Toolkit and
Corresponding Driver Versions"). Two floors matter: the driver a toolkit was
released with, and the lower floor under CUDA minor-version compatibility
(11.x >= 450.80.02, 12.x >= 525.60.13, 13.x >= 580.65.06), below which a
container's CUDA cannot run at all.

Example:
    >>> min_driver("11.8")
    '520.61.05'
    >>> driver_ok("12.2", "525.60.13"), driver_ok("12.2", "470.57.02")
    ('minor-compat', 'too-old')
"""

from __future__ import annotations

from typing import Literal

# toolkit (major.minor) -> driver it shipped with (Linux x86_64 / ppc64le).
TOOLKIT_DRIVER: dict[str, str] = {
    "10.0": "410.48",
    "10.1": "418.39",
    "10.2": "440.33",
    "11.0": "450.51.06",
    "11.1": "455.23",
    "11.2": "460.27.03",
    "11.3": "465.19.01",
    "11.4": "470.42.01",
    "11.5": "495.29.05",
    "11.6": "510.39.01",
    "11.7": "515.43.04",
    "11.8": "520.61.05",
    "12.0": "525.60.13",
    "12.1": "530.30.02",
    "12.2": "535.54.03",
    "12.3": "545.23.06",
    "12.4": "550.54.14",
    "12.5": "555.42.02",
    "12.6": "560.28.03",
    "12.8": "570.26",
    "12.9": "575.51.03",
    "13.0": "580.65.06",
}

# major -> lowest driver that runs any toolkit of that major (minor-version compatibility).
MINOR_COMPAT_FLOOR: dict[str, str] = {"11": "450.80.02", "12": "525.60.13", "13": "580.65.06"}


def version_tuple(version: str) -> tuple[int, ...]:
    """'450.80.02' -> (450, 80, 2); a part's leading digits count, then a non-numeric part ends the tuple."""
    out: list[int] = []
    for part in version.split("."):
        digits = part[:len(part) - len(part.lstrip("0123456789"))]  # the leading digits: '0-rc1' -> '0'
        if not digits:
            break
        out.append(int(digits))
        if digits != part:
            break
    return tuple(out)


def major_minor(version: str) -> str:
    """'11.0.3' -> '11.0'."""
    parts = version_tuple(version)
    return f"{parts[0]}.{parts[1] if len(parts) > 1 else 0}"


def min_driver(toolkit: str) -> str | None:
    """The driver a toolkit release shipped with, or None when the release is not in the table."""
    return TOOLKIT_DRIVER.get(major_minor(toolkit))


def driver_ok(toolkit: str, driver: str) -> Literal["ok", "minor-compat", "too-old", "unknown"]:
    """Can `driver` run CUDA `toolkit`? ok / minor-compat (works, some features missing) / too-old."""
    full = min_driver(toolkit)
    if full is None:
        return "unknown"
    if version_tuple(driver) >= version_tuple(full):
        return "ok"
    floor = MINOR_COMPAT_FLOOR.get(major_minor(toolkit).split(".")[0])
    if floor and version_tuple(driver) >= version_tuple(floor):
        return "minor-compat"
    return "too-old"
