from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Payload")


@_attrs_define
class Payload:
    """Any JSON object, up to 64 KiB serialized and 32 levels deep by default. Strings may not
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

    """

    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        payload = cls()

        payload.additional_properties = d
        return payload

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
