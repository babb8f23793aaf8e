"""Demo activity beyond accounts (spaces, bookings, ...), added as each area lands."""


def load_demo_activity() -> bool:
    """Returns True when anything was added."""
    return False
