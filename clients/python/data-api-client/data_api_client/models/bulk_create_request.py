from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.record_create import RecordCreate


T = TypeVar("T", bound="BulkCreateRequest")


@_attrs_define
class BulkCreateRequest:
    """
    Attributes:
        items (list[RecordCreate]):
    """

    items: list[RecordCreate]

    def to_dict(self) -> dict[str, Any]:
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "items": items,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.record_create import RecordCreate  # noqa: PLC0415

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = RecordCreate.from_dict(items_item_data)

            items.append(items_item)

        bulk_create_request = cls(
            items=items,
        )

        return bulk_create_request
