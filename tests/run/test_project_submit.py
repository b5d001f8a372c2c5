"""For real: `envkit submit --site local-slurm PROJECT --nodes 1 -- python train.py` runs a user's project (a
plain torch.distributed script and a requirements.txt, written outside the repository) as a Slurm job: srun
starts 2 ranks in the project's Charliecloud image and the rank wrapper turns Slurm's variables into torchrun's.
(Here rather than in tests/project: it shares this folder's one-node Slurm, which a session can start once.)
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from project.projects import PACKAGE, rank_lines, write_project

from .conftest import STORE, envkit, last_json


@pytest.mark.slow
@pytest.mark.slurm
@pytest.mark.container
@pytest.mark.skipif(shutil.which("ch-image") is None or shutil.which("debootstrap") is None,
                    reason="Charliecloud/debootstrap not installed (run scripts/install-charliecloud.sh)")
def test_submit_a_project_to_real_slurm(slurm_env: dict[str, str], tmp_path: Path) -> None:
    folder = write_project(tmp_path / "outside" / "myproj", "requirements.txt", "envkit-test-req")
    locked = envkit("lock", "--site", "local-slurm", str(folder), env=slurm_env)
    assert locked.returncode == 0, locked.stderr[-2000:]
    version = re.search(rf'name = "{PACKAGE}"\nversion = "([^"]+)"',
                        (folder / "pylock.local-slurm.toml").read_text()).group(1)  # type: ignore[union-attr]
    proc = envkit("submit", "--site", "local-slurm", str(folder), "--nodes", "1", "--store", str(STORE),
                  "--results", str(tmp_path / "results"), "--run-id", "proj", "--wait", "--json", "--",
                  "python", "train.py", env=slurm_env)
    record = last_json(proc)
    assert record["scheduler"] == "slurm" and record["job_id"].isdigit() and record["state"] == "COMPLETED"
    assert record["project"] == str(folder) and record["world_size"] == 2 and len(record["lock_hash"]) == 16
    script = (tmp_path / "results" / "proj" / "job.sh").read_text()
    assert "#SBATCH --nodes=1" in script and "srun " in script and "envkit.launch.pmi_env python train.py" in script
    log = (tmp_path / "results" / "proj" / "job.log").read_text()
    assert rank_lines(log) == [f"rank 0 of 2: sum 1 {PACKAGE} {version}",
                               f"rank 1 of 2: sum 1 {PACKAGE} {version}"], log[-3000:]
    shown = envkit("jobs", "--results", str(tmp_path / "results"), "--json", env=slurm_env)
    assert shown.returncode == 0 and json.loads(shown.stdout.splitlines()[-1])["state"] == "COMPLETED"
