"""Engine errors: each message is one line that names the entry and what is expected."""

from warclaw.errors import UserError


class CatalogError(UserError):
    """A catalog entry (shipped or user) is malformed."""


class RosterError(UserError):
    """A roster entry is malformed or names something unknown."""


class PlanError(UserError):
    """A plan file is malformed or does not match the roster."""


class InfeasibleRoster(UserError):
    """The hard constraints cannot all hold; ``str()`` says which and why."""

    exit_code = 3
