from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.precondition_failed_problem_code import PreconditionFailedProblemCode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.field_error import FieldError


T = TypeVar("T", bound="PreconditionFailedProblem")


@_attrs_define
class PreconditionFailedProblem:
    """A problem whose `code` is always `DAPI-4121`.

    Attributes:
        type_ (str): `urn:problem-type:data-api:` and the slug of `code` (e.g. `validation-failed`).
        title (str): A short summary of the kind of problem, the same for every occurrence. For people.
        status (int): The HTTP status of the answer.
        detail (str): What went wrong with this request, for people. Never branch on it.
        code (PreconditionFailedProblemCode): The stable code to branch on: `DAPI-` and four digits, the first three of
            which are
            the HTTP status. The catalog (`docs/errors.md`): 4001 validation-failed, 4002
            malformed-json, 4003 invalid-cursor, 4004 unsupported-json-value, 4005 bulk-too-large,
            4006 malformed-request, 4011 unauthorized, 4031 forbidden, 4041 record-not-found, 4042
            route-not-found, 4051 method-not-allowed, 4061 not-acceptable, 4081 request-timeout,
            4091 conflict, 4092 idempotency-key-in-flight, 4121 precondition-failed, 4131
            content-too-large, 4151 unsupported-media-type, 4171 expectation-failed, 4221
            idempotency-key-reused, 4291 rate-limited, 4311 headers-too-large, 5001
            internal-error, 5011 not-implemented, 5031 not-ready, 5032 database-unavailable, 5033
            overloaded, 5034 identity-provider-unavailable, 5041 database-timeout. The list is
            open: a minor version may add a code, so treat an unknown one by its status. Where an
            answer can carry only one code, its schema narrows `code` to it.
        instance (str | Unset): A URI reference naming this occurrence, when there is one.
        request_id (str | Unset): The answer's `X-Request-Id`; quote it when you report a problem.
        errors (list[FieldError] | Unset): For validation failures, one entry per failing field.
    """

    type_: str
    title: str
    status: int
    detail: str
    code: PreconditionFailedProblemCode
    instance: str | Unset = UNSET
    request_id: str | Unset = UNSET
    errors: list[FieldError] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        title = self.title

        status = self.status

        detail = self.detail

        code = self.code.value

        instance = self.instance

        request_id = self.request_id

        errors: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.errors, Unset):
            errors = []
            for errors_item_data in self.errors:
                errors_item = errors_item_data.to_dict()
                errors.append(errors_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "title": title,
                "status": status,
                "detail": detail,
                "code": code,
            }
        )
        if instance is not UNSET:
            field_dict["instance"] = instance
        if request_id is not UNSET:
            field_dict["request_id"] = request_id
        if errors is not UNSET:
            field_dict["errors"] = errors

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.field_error import FieldError  # noqa: PLC0415

        d = dict(src_dict)
        type_ = d.pop("type")

        title = d.pop("title")

        status = d.pop("status")

        detail = d.pop("detail")

        code = PreconditionFailedProblemCode(d.pop("code"))

        instance = d.pop("instance", UNSET)

        request_id = d.pop("request_id", UNSET)

        _errors = d.pop("errors", UNSET)
        errors: list[FieldError] | Unset = UNSET
        if _errors is not UNSET:
            errors = []
            for errors_item_data in _errors:
                errors_item = FieldError.from_dict(errors_item_data)

                errors.append(errors_item)

        precondition_failed_problem = cls(
            type_=type_,
            title=title,
            status=status,
            detail=detail,
            code=code,
            instance=instance,
            request_id=request_id,
            errors=errors,
        )

        precondition_failed_problem.additional_properties = d
        return precondition_failed_problem

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
