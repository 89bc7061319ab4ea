from enum import StrEnum


class DatabaseTimeoutProblemCode(StrEnum):
    DAPI_5041 = "DAPI-5041"

    def __str__(self) -> str:
        return str(self.value)
