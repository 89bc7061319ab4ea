from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.record_merge_patch_payload import RecordMergePatchPayload


T = TypeVar("T", bound="RecordMergePatch")


@_attrs_define
class RecordMergePatch:
    """A JSON merge patch (RFC 7396) of the record's changeable part.

    Attributes:
        payload (RecordMergePatchPayload | Unset): Merged into the stored payload; a member set to `null` is removed.
            Numbers are kept
            exactly as in `Payload`: members the patch does not name keep their digits, and the
            members it sets have the digits it sends.
    """

    payload: RecordMergePatchPayload | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        payload: dict[str, Any] | Unset = UNSET
        if not isinstance(self.payload, Unset):
            payload = self.payload.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if payload is not UNSET:
            field_dict["payload"] = payload

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.record_merge_patch_payload import RecordMergePatchPayload  # noqa: PLC0415

        d = dict(src_dict)
        _payload = d.pop("payload", UNSET)
        payload: RecordMergePatchPayload | Unset
        if isinstance(_payload, Unset):
            payload = UNSET
        else:
            payload = RecordMergePatchPayload.from_dict(_payload)

        record_merge_patch = cls(
            payload=payload,
        )

        return record_merge_patch
