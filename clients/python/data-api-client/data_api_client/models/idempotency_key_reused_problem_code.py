from enum import StrEnum


class IdempotencyKeyReusedProblemCode(StrEnum):
    DAPI_4221 = "DAPI-4221"

    def __str__(self) -> str:
        return str(self.value)
