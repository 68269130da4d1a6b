"""Errors meant for a person: the CLI prints them as one line and exits non-zero."""


class UserError(Exception):
    """Bad input from a person (a file, a field, an argument). ``str()`` is the whole message."""

    exit_code = 1


class ConfigError(UserError):
    """Invalid configuration: one message per problem, each naming the key."""

    exit_code = 2

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))
