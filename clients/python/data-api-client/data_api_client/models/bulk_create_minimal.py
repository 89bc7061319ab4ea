from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="BulkCreateMinimal")


@_attrs_define
class BulkCreateMinimal:
    """The answer of a bulk create asked for with `Prefer: return=minimal`: the records were
    created as in `BulkCreateResponse`, and only their ids are sent back.

        Attributes:
            count (int): How many records were created (every item of the request).
            ids (list[str]): The created records' ids, in the order of the request's items.
    """

    count: int
    ids: list[str]

    def to_dict(self) -> dict[str, Any]:
        count = self.count

        ids = self.ids

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "count": count,
                "ids": ids,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        count = d.pop("count")

        ids = cast(list[str], d.pop("ids"))

        bulk_create_minimal = cls(
            count=count,
            ids=ids,
        )

        return bulk_create_minimal
