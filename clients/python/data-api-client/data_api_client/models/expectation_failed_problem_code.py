from enum import StrEnum


class ExpectationFailedProblemCode(StrEnum):
    DAPI_4171 = "DAPI-4171"

    def __str__(self) -> str:
        return str(self.value)
