"""Domain errors carry a message a person can read, already translatable."""


class DomainError(Exception):
    """A rule said no. `message` is shown to the person as it is (a lazy translated string)."""

    def __init__(self, message, **params):
        super().__init__(str(message))
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return str(self.message)


class BookingRefused(DomainError):
    """A booking cannot be made. `reason` feeds the unmet-demand report."""

    reason = "rule"
