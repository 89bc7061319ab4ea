from enum import StrEnum


class NotAcceptableProblemCode(StrEnum):
    DAPI_4061 = "DAPI-4061"

    def __str__(self) -> str:
        return str(self.value)
