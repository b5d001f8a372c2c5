"""Remove secrets from text that leaves the machine: values of secret-looking variables, tokens, keys, passwords.

Patterns, not a list of names: a variable whose name says TOKEN, SECRET, PASSWORD, KEY, CREDENTIAL or AUTH
loses its value; well-known token shapes (GitHub, Hugging Face, AWS, Slack, JWT, `Bearer ...`) and private
key blocks are replaced wherever they appear; `user:password@` in URLs loses the password.

Example:
    >>> text, n = redact("export WANDB_API_KEY=0123456789abcdef\\nurl=https://bob:pw@host/x\\nNCCL_DEBUG=INFO")
    >>> print(text)
    export WANDB_API_KEY=[REDACTED]
    url=https://bob:[REDACTED]@host/x
    NCCL_DEBUG=INFO
    >>> n
    2
"""

from __future__ import annotations

import re

MARK = "[REDACTED]"
SECRET_NAME = (r"[A-Za-z0-9_.-]*(?:TOKEN|SECRET|PASSWORD|PASSWD|PASS|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY"
               r"|CREDENTIALS?|AUTH)[A-Za-z0-9_.-]*")
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S),
     f"{MARK} private key"),
    (re.compile(r"(?i)\b(bearer|token)\s+[A-Za-z0-9._~+/=-]{16,}"), rf"\1 {MARK}"),
    (re.compile(rf"(?i)\b({SECRET_NAME})(\s*[=:]\s*)(?!\[REDACTED\])(\"[^\"]*\"|'[^']*'|\S+)"), rf"\1\2{MARK}"),
    (re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}"), MARK),
    (re.compile(r"\bhf_[A-Za-z0-9]{20,}"), MARK),
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), MARK),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), MARK),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"), MARK),
    (re.compile(r"([a-z][a-z0-9+.-]*://[^\s:/@]+:)[^\s@/]+@"), rf"\1{MARK}@"),
)


def redact(text: str) -> tuple[str, int]:
    """`text` with every secret replaced by [REDACTED], and how many were replaced."""
    total = 0
    for pattern, replacement in PATTERNS:
        text, n = pattern.subn(replacement, text)
        total += n
    return text, total
