"""Launch lines as people are shown them (the help-desk pages): valid for every user, not this machine's paths.

The pages compose with the launch model like `envkit run` does, but with stand-in paths for the image store
and the results folder; each stand-in is then shown as the shell words that name the user's own folder:

- the store as envkit finds it (envkit.store.paths.default_store): $ENVKIT_STORE, else $XDG_DATA_HOME/envkit,
  else ~/.local/share/envkit;
- the results as `envkit run` and `envkit submit` default to them: ./results under the folder one runs in.

Only the line's text changes: the argv is the launch model's, word for word, so a shell that expands the shown
line gets the argv `envkit run --dry-run --store STORE --results RESULTS` prints (up to the run id).

Example:
    >>> shell_line(["ch-run", "-b", f"{RESULTS}:/opt/envkit/results", "--", "x y"])
    'ch-run -b "$PWD"/results:/opt/envkit/results -- \\'x y\\''
    >>> shell_line([f"{STORE}/charliecloud/img"])
    '"${ENVKIT_STORE:-${XDG_DATA_HOME:-$HOME/.local/share}/envkit}"/charliecloud/img'
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path

STORE = Path("/ENVKIT_STORE")
"""Stand-in for the user's image store."""

RESULTS = Path("/path/to/results")
"""Stand-in for the user's results folder (kept as is where no shell expands it: a batch directive)."""

RUN_ID = "RUN_ID"
"""The run id a shown batch script carries (a run line has none: the runner names the run itself)."""

SHELL_WORDS: dict[str, str] = {
    str(STORE): '"${ENVKIT_STORE:-${XDG_DATA_HOME:-$HOME/.local/share}/envkit}"',
    str(RESULTS): '"$PWD"/results',
}
"""Each stand-in and the shell words shown in its place (double-quoted: a folder with a space stays one word)."""

RENDEZVOUS_HOST = "ENVKIT-RDZV-HOST"
"""Stand-in for the host torchrun meets at, in a batch script: the allocation's first host, known only once the
job runs; the script reads it from the scheduler's node list into $ENVKIT_RDZV_HOST (envkit.schedulers.base)."""

JOB_WORDS: dict[str, str] = {RENDEZVOUS_HOST: '"$ENVKIT_RDZV_HOST"'}
"""The stand-ins a job script's launch line may carry and the shell words it shows in their place."""


def _shown_word(word: str, words: Mapping[str, str]) -> str:
    for stand_in, shell in words.items():
        if stand_in in word:
            head, _, tail = word.partition(stand_in)
            return "".join((_shown_word(head, words) if head else "", shell,
                            _shown_word(tail, words) if tail else ""))
    return shlex.quote(word)


def shell_line(argv: Sequence[str], words: Mapping[str, str] = SHELL_WORDS) -> str:
    """`shlex.join(argv)` with each stand-in of `words` shown as its shell words; every other character stays
    quoted (so a line without stand-ins is exactly `shlex.join(argv)`)."""
    return " ".join(_shown_word(word, words) for word in argv)
