from enum import StrEnum


class ForbiddenProblemCode(StrEnum):
    DAPI_4031 = "DAPI-4031"

    def __str__(self) -> str:
        return str(self.value)
