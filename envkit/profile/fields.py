"""Constrained string types shared by profiles and bases.

Every value that can end up in a shell line, a recipe or a label is checked
here first (and quoted again when rendered): no newlines, no `$`, backticks,
`;`, quotes or other shell metacharacters where the fact cannot need them.

Example:
    >>> from pydantic import TypeAdapter
    >>> TypeAdapter(Version).validate_python("11.0.3")
    '11.0.3'
"""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

# A name: site, base, module, package, partition, account.
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._+@/-]*$", max_length=128)]
# A dotted version such as 11.0.3, 4.1.5 or 10.4.0.3; letters allowed for suffixes (3.6.0-rc1).
Version = Annotated[str, StringConstraints(pattern=r"^[0-9][0-9A-Za-z.+~-]*$", max_length=64)]
# An absolute path on a host or in an image; optional `src:dst` form is a BindSpec, not a Path.
AbsPath = Annotated[str, StringConstraints(pattern=r"^/[A-Za-z0-9._/+@-]*$", max_length=512)]
# A bind: /src or /src:/dst or /src:/dst:ro
BindSpec = Annotated[
    str, StringConstraints(pattern=r"^/[A-Za-z0-9._/+@-]*(:/[A-Za-z0-9._/+@-]*(:(ro|rw))?)?$", max_length=1024)
]
# One command-line argument for a launcher (e.g. --smpiargs=-gpu, -bpacked:7, --gres=gpu:v100:4).
Arg = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._/:=,+@%-]+$", max_length=256)]
# An image reference such as nvidia/cuda:11.8.0-cudnn8-devel-ubuntu20.04 or debian:bookworm.
ImageRef = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?$", max_length=256)]
# A package requirement: numpy, h5py==3.11.0, torch>=2.0, libpsm2-dev, horovod[pytorch]==0.28.1
REQUIREMENT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._+\[\],-]*([<>=!~]=?[A-Za-z0-9.*+-]+)?$"
Requirement = Annotated[str, StringConstraints(pattern=REQUIREMENT_PATTERN, max_length=128)]
# Free prose (titles, notes, sources): one line, printable; `;`, `|`, `&`, `<` and single quotes are fine in
# prose (every value is quoted again where it is rendered), but not `$`, backticks, backslashes or double
# quotes, which would change meaning inside a double-quoted label.
TEXT_PATTERN = r"^[^\x00-\x1f\x7f`$\\\"]*$"
Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN, min_length=1, max_length=500)]
# An environment variable name and value.
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
# Words may be separated by single spaces (NCCL_NET="AWS Libfabric"); every renderer quotes the value whole.
ENV_VALUE_PATTERN = r"^[A-Za-z0-9._/:=,+@%^-]*( [A-Za-z0-9._/:=,+@%^-]+)*$"
EnvValue = Annotated[str, StringConstraints(pattern=ENV_VALUE_PATTERN, max_length=512)]
# A URL template for upstream source releases, e.g. https://example.org/openmpi-{version}.tar.bz2
UrlTemplate = Annotated[str, StringConstraints(pattern=r"^https://[A-Za-z0-9.-]+/[A-Za-z0-9._/{}+-]*$",
                                                max_length=512)]
# One `module` command of a profile's `modules:` list: a bare name is `module load NAME`; a verb may lead
# (`use /soft/modulefiles`, `unload darshan`, `swap PrgEnv-cray PrgEnv-gnu`, `purge`, `reset`); each word is
# shell-quoted where the job script writes it (envkit.profile.modules).
MODULE_PATTERN = (r"^((load|unload|use|swap|switch) )?[A-Za-z0-9/][A-Za-z0-9._+@/-]*( [A-Za-z0-9/][A-Za-z0-9._+@/-]*)?$"
                  r"|^(purge|reset)$")
ModuleCommand = Annotated[str, StringConstraints(pattern=MODULE_PATTERN, max_length=256)]
# A wall-clock limit: HH:MM:SS or D-HH:MM:SS (Slurm) or minutes.
Walltime = Annotated[str, StringConstraints(pattern=r"^([0-9]+-)?[0-9]{1,3}:[0-5][0-9](:[0-5][0-9])?$|^[0-9]+$",
                                             max_length=16)]

# What each pattern means, in words, for error messages (pattern -> the rule); one home for both.
PATTERN_RULES: dict[str, str] = {
    TEXT_PATTERN: "one line of prose without control characters, $, backticks, backslashes or double quotes",
    r"^[A-Za-z0-9][A-Za-z0-9._+@/-]*$": "a name: letters, digits and . _ + @ / - (starting with a letter or digit)",
    r"^[0-9][0-9A-Za-z.+~-]*$": "a version such as 11.0.3 or 3.6.0-rc1",
    r"^/[A-Za-z0-9._/+@-]*$": "an absolute path of letters, digits and . _ / + @ -",
    r"^[A-Za-z0-9._/:=,+@%-]+$": "one launcher argument of letters, digits and . _ / : = , + @ % -",
    r"^[A-Za-z_][A-Za-z0-9_]*$": "a variable name: letters, digits and _ (not starting with a digit)",
    ENV_VALUE_PATTERN: "a value of letters, digits and . _ / : = , + @ % ^ - and single spaces between words "
                       "(no quotes)",
    r"^/[A-Za-z0-9._/+@-]*(:/[A-Za-z0-9._/+@-]*(:(ro|rw))?)?$": "a bind /src, /src:/dst or /src:/dst:ro|rw",
    r"^([0-9]+-)?[0-9]{1,3}:[0-5][0-9](:[0-5][0-9])?$|^[0-9]+$": "a wall time such as 02:00:00, 1-00:00:00 or 90",
    MODULE_PATTERN: "a module name, or a module verb and its words: load|unload|use|swap|switch NAME [NAME], "
                    "purge, reset",
    REQUIREMENT_PATTERN: "a package such as numpy, h5py==3.11.0 or horovod[pytorch]==0.28.1",
}
