from enum import StrEnum


class PreconditionFailedProblemCode(StrEnum):
    DAPI_4121 = "DAPI-4121"

    def __str__(self) -> str:
        return str(self.value)
