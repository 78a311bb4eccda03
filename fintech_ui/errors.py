"""The one base class of every refusal a user may read.

A use case raises a DomainError (or a subclass) when a business rule says no; its message is
written for the user and is safe to show as it is. Anything else that escapes is a bug: the
adapters log it and show a generic message instead.
"""


class DomainError(ValueError):
    """A business rule refused the request; nothing changed and the message is safe to show."""
