from enum import StrEnum


class RateLimitedProblemCode(StrEnum):
    DAPI_4291 = "DAPI-4291"

    def __str__(self) -> str:
        return str(self.value)
