from enum import StrEnum


class ContentTooLargeProblemCode(StrEnum):
    DAPI_4131 = "DAPI-4131"

    def __str__(self) -> str:
        return str(self.value)
