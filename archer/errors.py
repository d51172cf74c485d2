"""The one exception type for user mistakes: the CLI prints its message as one line, no traceback."""


class UserError(Exception):
    """A problem the user can fix (bad config, missing file, wrong run folder); the message says how."""
