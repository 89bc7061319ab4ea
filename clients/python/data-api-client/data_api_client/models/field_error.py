from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.field_error_location import FieldErrorLocation
from ..types import UNSET, Unset

T = TypeVar("T", bound="FieldError")


@_attrs_define
class FieldError:
    """One field of the request that failed validation.

    Attributes:
        location (FieldErrorLocation): Where the field is.
        detail (str): What is wrong with it, for people.
        pointer (str | Unset): JSON Pointer into the body, or the parameter's name.
    """

    location: FieldErrorLocation
    detail: str
    pointer: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        location = self.location.value

        detail = self.detail

        pointer = self.pointer

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "location": location,
                "detail": detail,
            }
        )
        if pointer is not UNSET:
            field_dict["pointer"] = pointer

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        location = FieldErrorLocation(d.pop("location"))

        detail = d.pop("detail")

        pointer = d.pop("pointer", UNSET)

        field_error = cls(
            location=location,
            detail=detail,
            pointer=pointer,
        )

        return field_error
