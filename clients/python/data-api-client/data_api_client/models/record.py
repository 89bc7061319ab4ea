from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.payload import Payload


T = TypeVar("T", bound="Record")


@_attrs_define
class Record:
    """A stored record. Generated TypeScript code that exports schemas as top-level types names
    this one `Record`, which shadows TypeScript's global `Record<K, V>` in any file that
    imports it: import it under another name (`import type { Record as DataRecord }`); the
    shipped TypeScript client exports it as `DataRecord`. The schema keeps its name within
    this major version (`docs/api-versioning.md`).

        Attributes:
            id (str): Opaque identifier (a time-ordered UUID today; do not rely on its form), always in lower
                case. The same id in upper case names the same record.
            user_id (str): The owner of a record: 1 to 128 characters of `A-Z a-z 0-9 . _ @ : -`.
            payload (Payload): Any JSON object, up to 64 KiB serialized and 32 levels deep by default. Strings may not
                hold U+0000 or unpaired surrogates.

                **Numbers are kept exactly as sent**, never rounded to a double: 2^64 − 1
                (`18446744073709551615`), `-123456789012345678901234567890` or
                `0.1000000000000000055511151231257827` come back with every digit, on every operation
                (create, bulk create, read, list, replace, merge patch, an `Idempotency-Key` replay).
                Parse answers with a JSON parser that keeps big numbers if you need their digits.
                The stored form is the database's normal form of the same value: plain decimal notation
                with the exponent applied and the written scale kept (`1E+2` is `100`, `1.500e1` is
                `15.00`, `1.0` stays `1.0`), and `-0` is `0`; members come back ordered by name length,
                then bytewise, as PostgreSQL's `jsonb` keeps them.
                A number is refused with `400 unsupported-json-value`, never stored altered, when its
                magnitude is outside the range of a double (`1e400`, `1e-400`) or when it has more than
                1,000 digits by default as stored (`JSON_MAX_NUMBER_DIGITS`; `1e300` has 301). The
                serialized size counts numbers as stored. On the Oracle Database backend a number is
                also refused when Oracle's `NUMBER` cannot hold it exactly or it has more significant
                digits than a double carries (see `docs/oracle.md`).
            created_at (datetime.datetime): When the record was created, RFC 3339 in UTC.
            updated_at (datetime.datetime): When the record last changed, RFC 3339 in UTC.
            version (int): 1 on create, incremented by every change.
    """

    id: str
    user_id: str
    payload: Payload
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        user_id = self.user_id

        payload = self.payload.to_dict()

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "user_id": user_id,
                "payload": payload,
                "created_at": created_at,
                "updated_at": updated_at,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.payload import Payload  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        user_id = d.pop("user_id")

        payload = Payload.from_dict(d.pop("payload"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        version = d.pop("version")

        record = cls(
            id=id,
            user_id=user_id,
            payload=payload,
            created_at=created_at,
            updated_at=updated_at,
            version=version,
        )

        return record
