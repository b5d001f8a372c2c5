"""The files envkit reads back, one pydantic model and one reader each.

State files are other people's input as much as profiles are: a results folder shared between people, a job
record, a hand-edited lock, a damaged image store. Each file type has one module here with its model and
its reader; every reader goes through `envkit.records.reader.read_model`, which reads at most a bounded
number of bytes from a regular file and turns any problem into one `EnvkitError` line naming the file and
the field.

- `metrics`: results/<run>/metrics.json (the training runner writes it, every command reads it)
- `job`: results/<run>/job.json (`envkit submit` writes it; `jobs`, `results` read it)
- `evaluation`: results/<run>/evaluation.json
- `lock`: containers/<site>/locks/envkit-lock.json and the pylock.*.toml files
- `manifest`: an image's manifest (what is inside it) and an SPDX SBOM

Example:
    >>> from envkit.records.metrics import Metrics
    >>> Metrics.model_validate({"status": "finished", "run_id": "r", "workload": "aigw", "world_size": 2}).world_size
    2
"""
