from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.readiness_status import ReadinessStatus

if TYPE_CHECKING:
    from ..models.checks import Checks


T = TypeVar("T", bound="Readiness")


@_attrs_define
class Readiness:
    """
    Attributes:
        status (ReadinessStatus): `degraded`: serving, but an optional dependency (such as the cache) is down.
        checks (Checks): One member per dependency the server uses, `true` when it answered the check. `database`
            is always there; `cache` (Redis) appears when one is configured, and may be `false` while
            the service is still ready (`degraded`).
    """

    status: ReadinessStatus
    checks: Checks

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

        checks = self.checks.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "status": status,
                "checks": checks,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.checks import Checks  # noqa: PLC0415

        d = dict(src_dict)
        status = ReadinessStatus(d.pop("status"))

        checks = Checks.from_dict(d.pop("checks"))

        readiness = cls(
            status=status,
            checks=checks,
        )

        return readiness
