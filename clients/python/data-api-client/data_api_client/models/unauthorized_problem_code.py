from enum import StrEnum


class UnauthorizedProblemCode(StrEnum):
    DAPI_4011 = "DAPI-4011"

    def __str__(self) -> str:
        return str(self.value)
