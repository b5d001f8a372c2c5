"""What a user sends with a ticket: `envkit doctor --bundle FILE`, one bounded archive with secrets redacted.

Example:
    >>> from envkit.ticket import redact
    >>> redact("HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz0123")[0]
    'HF_TOKEN=[REDACTED]'
"""

from envkit.ticket.redact import redact

__all__ = ["redact"]
