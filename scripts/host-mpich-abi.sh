#!/bin/sh
# The host side of the local-bind site: Debian's MPICH under the MPICH ABI name, in one folder that can be bound
# into a container (as HPE's cray-mpich-abi module provides lib-abi-mpich). Debian ships the library as
# libmpich.so.12; the MPICH ABI name is libmpi.so.12 (https://www.mpich.org/abi/). Its own dependencies (hwloc,
# UCX) go beside it, since the image does not carry them. Usage: sh scripts/host-mpich-abi.sh [DIR]
set -eu
dir=${1:-/var/tmp/envkit-host-mpich-abi}
lib=/usr/lib/x86_64-linux-gnu
test -e "$lib/libmpich.so.12" || { echo "error: Debian's libmpich.so.12 not found (apt-get install libmpich12)" >&2; exit 1; }
rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/lib"
cp -L "$lib/libmpich.so.12" "$dir.tmp/lib/libmpi.so.12"
for name in $(ldd "$lib/libmpich.so.12" | awk '$3 ~ /^\// {print $3}' | grep -E 'hwloc|ucp|ucs|uct|ucm|fabric|numa|udev|pmix|psm|efa|rdma|ibverbs' || true); do
  cp -L "$name" "$dir.tmp/lib/"
done
# UCX loads its transports from a folder of modules; the site points UCX_MODULE_DIR at this copy
if [ -d "$lib/ucx" ]; then cp -rL "$lib/ucx" "$dir.tmp/lib/ucx"; fi
rm -rf "$dir" && mv "$dir.tmp" "$dir"
ls "$dir/lib"
