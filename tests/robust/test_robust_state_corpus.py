"""Damaged state files (metrics.json, job.json, envkit-lock.json, pylock.toml, manifests) through every command
that reads them (state_corpus.py), plus a Hypothesis strategy for JSON shapes in metrics.json and job.json:
0 tracebacks, 0 internal errors, 0 hangs, 0 payloads; every error one line."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
import state_corpus  # noqa: E402

EXAMPLES = int(os.environ.get("ENVKIT_FUZZ_EXAMPLES", "60"))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["metrics.json", "job.json", "envkit-lock.json", "manifest"])
def test_every_damaged_state_file_through_every_command(kind: str) -> None:
    out = state_corpus.run_all(kind)
    print(state_corpus.table(out["counts"]))
    assert sum(out["counts"].values()) >= 10
    assert out["problems"] == [], "\n".join(out["problems"])


KEYS = sorted({*state_corpus.GOOD_METRICS, *state_corpus.GOOD_JOB, "throughput", "total", "mean", "epochs",
               "summary", "schema_version", "workload_path", "hyperparameters"})
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30),
                    st.sampled_from(["finished", "running", "aigw", "--help", "../x", "slurm", "\x1b[2J"]))
shapes = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=6)),
    max_leaves=25)
records = st.one_of(shapes, st.fixed_dictionaries({}, optional={k: shapes for k in KEYS}),
                    st.builds(lambda base, change: {**base, **change},
                              st.just(state_corpus.GOOD_METRICS), st.dictionaries(st.sampled_from(KEYS), shapes,
                                                                                  max_size=3)))


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(metrics=records, job=records)
def test_json_shapes_in_state_files_never_crash(metrics: Any, job: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "results"
        run = results / "r1"
        run.mkdir(parents=True)
        (run / "metrics.json").write_text(json.dumps(metrics))
        (run / "job.json").write_text(json.dumps(job))
        mark = Path(tmp) / "PAYLOAD"
        for args in (("results", "--results", str(results)), ("jobs", "--results", str(results)),
                     ("plot", str(run), "-o", str(Path(tmp) / "o.png")),
                     ("predict", "--site", "hal", "aigw", "--metrics", str(run), "--gpus", "1,2")):
            verdict, err = state_corpus.verdict(args, mark, seconds=60)
            assert verdict == "clean", (args, verdict, err, metrics, job)
