"""Portable images: an envkit image as a SIF, an OCI/docker archive, a squashfs or a tar, with an SPDX SBOM,
assembled without Apptainer or root, checked, and moved through an OCI registry.

Modules (one job each): layout (Apptainer's /.singularity.d/), sbom (SPDX 2.3), squash (mksquashfs),
sif (siftool), oci (umoci, skopeo), source (what an export reads), artifact (export), verify (checks),
registry (push/pull with oras and skopeo), mount (run from a squashfs or SIF partition).

Example:
    $ envkit export --site local --format sif        # envkit-local.sif, .sha256 and .spdx.json beside it
    $ envkit verify envkit-local.sif
"""
