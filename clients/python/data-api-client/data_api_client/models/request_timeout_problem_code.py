from enum import StrEnum


class RequestTimeoutProblemCode(StrEnum):
    DAPI_4081 = "DAPI-4081"

    def __str__(self) -> str:
        return str(self.value)
