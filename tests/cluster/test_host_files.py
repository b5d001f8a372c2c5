"""The PBS host-file class of bug, across schedulers, on two real nodes: a multi-node rank inside the container
must learn the allocation's first host however its scheduler gives the node list. Slurm's comes for real (the
job's SLURM_JOB_NODELIST); PBS's PBS_NODEFILE and LSF's LSB_DJOB_HOSTFILE are files on the host (the MoM's
spool, the batch node), which the container does not see. Each is read on the host with the scheduler's own
`first_host` line (envkit.batch.schedulers, what job scripts run) and handed to the ranks as
ENVKIT_MASTER_ADDR; each rank, inside the image on node1 and node2, then finds node1 through the PMI shim.
Without the hand-over the PBS rank cannot read the file: the test would see the bug.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess

import pytest
from run.conftest import STORE, envkit

from envkit.engines.charliecloud import Charliecloud
from envkit.schedulers.base import get_scheduler

from .conftest import Cluster
from .test_cluster import needs_charliecloud

PROBE = "import os, socket; print('found', socket.gethostname(), os.environ['MASTER_ADDR'], os.environ['RANK'])"


def _step(wrapper: list[str], kind: str) -> str:
    """One srun step on both nodes (the batch script's environment goes along): each rank, inside the image,
    through the PMI shim, prints what it found. As a PBS or LSF rank, it has no Slurm node list."""
    inner = shlex.join([*wrapper, "python3", "-m", "envkit.launch.pmi_env", "python3", "-c", PROBE])
    other = "unset SLURM_JOB_NODELIST SLURM_NODELIST SLURM_STEP_NODELIST; " if kind != "slurm" else ""
    return ("srun --nodes=2 --ntasks-per-node=1 --label bash -c "
            + shlex.quote(f"{other}export PMI_RANK=$SLURM_PROCID PMI_SIZE=2; exec {inner}"))


@pytest.mark.slow
@pytest.mark.slurm
@pytest.mark.cluster
@pytest.mark.container
@needs_charliecloud
def test_each_scheduler_node_list_reaches_ranks_in_the_container(cluster: Cluster) -> None:
    build = envkit("build", "--site", "local-cluster", "--workload", "aigw", "--store", str(STORE), "--json")
    assert build.returncode == 0, build.stderr[-3000:]
    image = json.loads(build.stdout)["layers"][-1]["image"]
    wrapper = Charliecloud().exec_argv(image, [], host_env=True)  # the ranks' wrapper: ch-run ... IMAGE --
    work = cluster.results("hostfiles")
    spool = work / "var-spool-pbs-aux"  # on the host only: ch-run does not bind it into the image
    spool.mkdir()
    pbs_file, lsf_file = spool / "1234.pbs01", work / "lsf-hostfile"
    lines = ["#!/bin/bash", "set -u", f"printf 'node1\\nnode2\\n' > {pbs_file}",  # one line per rank slot
             f"printf 'batch1\\nnode1\\nnode2\\n' > {lsf_file}"]  # LSF: the launch node, then the compute hosts
    cases = {"slurm": {}, "pbs": {"PBS_NODEFILE": str(pbs_file)}, "lsf": {"LSB_DJOB_HOSTFILE": str(lsf_file)}}
    for kind, env in cases.items():
        exports = "".join(f"export {k}={shlex.quote(v)}; " for k, v in env.items())
        lines += [f"echo '== {kind}'",
                  f"({exports}first=$({get_scheduler(kind).first_host})",  # read on the host, as job scripts do
                  ' echo "host read: $first"',
                  f' export ENVKIT_MASTER_ADDR="$first"; {_step(wrapper, kind)})']
    lines += ["echo '== pbs-without-hand-over'",
              f"(export PBS_NODEFILE={shlex.quote(str(pbs_file))}; {_step(wrapper, 'pbs')}) || echo \"step exit $?\""]
    script = work / "probe.sh"
    script.write_text("\n".join(lines) + "\n")
    log = work / "probe.log"
    proc = subprocess.run(["sbatch", "--wait", "--nodes=2", "--ntasks-per-node=1", f"--output={log}", str(script)],
                          capture_output=True, text=True, env=cluster.env, timeout=600, cwd=work)
    text = log.read_text(errors="replace")
    assert proc.returncode == 0, (proc.stderr, text[-3000:])
    sections = dict(re.findall(r"== (\S+)\n(.*?)(?=\n== |\Z)", text, re.S))
    for kind in cases:
        found = sorted(re.findall(r"^(\d+): found (\S+) (\S+) (\d+)$", sections[kind], re.M))
        assert found == [("0", "node1", "node1", "0"), ("1", "node2", "node1", "1")], (kind, sections[kind])
    bug = sections["pbs-without-hand-over"]  # the file is on the host: the rank in the container cannot read it
    assert "found" not in bug and "PBS_NODEFILE" in bug and "step exit" in bug, bug
