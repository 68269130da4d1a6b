"""The one error a malformed chat code raises."""

from warclaw.errors import UserError


class ChatCodeError(UserError):
    """A chat code that cannot be decoded; ``str()`` is one line saying what is wrong."""
