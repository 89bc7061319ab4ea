from enum import StrEnum


class NotReadyProblemCode(StrEnum):
    DAPI_5031 = "DAPI-5031"

    def __str__(self) -> str:
        return str(self.value)
