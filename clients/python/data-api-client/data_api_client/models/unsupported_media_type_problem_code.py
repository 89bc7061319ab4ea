from enum import StrEnum


class UnsupportedMediaTypeProblemCode(StrEnum):
    DAPI_4151 = "DAPI-4151"

    def __str__(self) -> str:
        return str(self.value)
