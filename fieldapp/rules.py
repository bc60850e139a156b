"""The error every operation raises when a business rule refuses a write."""


class RuleError(Exception):
    """Refused with messages per field ("" for the whole form), in Vietnamese, ready to show."""

    def __init__(self, errors: dict[str, str] | str):
        if isinstance(errors, str):
            errors = {"": errors}
        self.errors = errors
        super().__init__("; ".join(errors.values()))

    @property
    def message(self) -> str:
        return "; ".join(self.errors.values())
