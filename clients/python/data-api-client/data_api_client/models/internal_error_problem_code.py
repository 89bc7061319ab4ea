from enum import StrEnum


class InternalErrorProblemCode(StrEnum):
    DAPI_5001 = "DAPI-5001"

    def __str__(self) -> str:
        return str(self.value)
