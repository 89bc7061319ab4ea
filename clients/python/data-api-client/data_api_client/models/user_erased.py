from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="UserErased")


@_attrs_define
class UserErased:
    """
    Attributes:
        user_id (str): The owner of a record: 1 to 128 characters of `A-Z a-z 0-9 . _ @ : -`.
        deleted (int): How many records this request deleted (0 when the user had none left).
    """

    user_id: str
    deleted: int

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        deleted = self.deleted

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "user_id": user_id,
                "deleted": deleted,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        user_id = d.pop("user_id")

        deleted = d.pop("deleted")

        user_erased = cls(
            user_id=user_id,
            deleted=deleted,
        )

        return user_erased
