from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.health_status import HealthStatus

T = TypeVar("T", bound="Health")


@_attrs_define
class Health:
    """The process is alive; nothing else was checked.

    Attributes:
        status (HealthStatus): Always `healthy`; a process that cannot answer does not answer at all.
        timestamp (datetime.datetime): The server's clock when it answered, RFC 3339 in UTC.
    """

    status: HealthStatus
    timestamp: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

        timestamp = self.timestamp.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "status": status,
                "timestamp": timestamp,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = HealthStatus(d.pop("status"))

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        health = cls(
            status=status,
            timestamp=timestamp,
        )

        return health
