from enum import StrEnum


class RecordNotFoundProblemCode(StrEnum):
    DAPI_4041 = "DAPI-4041"

    def __str__(self) -> str:
        return str(self.value)
