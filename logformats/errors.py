"""The one exception the log parsers raise."""


class ParseError(ValueError):
    """A line or a value is not what the format allows.

    The message says in plain words what is wrong and where (type, column
    number and name); it is stored verbatim with the line in the quarantine.
    """
