from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.content_too_large_problem import ContentTooLargeProblem
from ...models.database_timeout_problem import DatabaseTimeoutProblem
from ...models.expectation_failed_problem import ExpectationFailedProblem
from ...models.forbidden_problem import ForbiddenProblem
from ...models.internal_error_problem import InternalErrorProblem
from ...models.not_acceptable_problem import NotAcceptableProblem
from ...models.precondition_failed_problem import PreconditionFailedProblem
from ...models.problem import Problem
from ...models.rate_limited_problem import RateLimitedProblem
from ...models.record import Record
from ...models.record_not_found_problem import RecordNotFoundProblem
from ...models.record_replace import RecordReplace
from ...models.request_timeout_problem import RequestTimeoutProblem
from ...models.unauthorized_problem import UnauthorizedProblem
from ...models.unsupported_media_type_problem import UnsupportedMediaTypeProblem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    body: RecordReplace,
    if_match: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = if_none_match

    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/data/{id}".format(
            id=quote(str(id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> (
    ContentTooLargeProblem
    | DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | PreconditionFailedProblem
    | Problem
    | RateLimitedProblem
    | Record
    | RecordNotFoundProblem
    | RequestTimeoutProblem
    | UnauthorizedProblem
    | UnsupportedMediaTypeProblem
    | None
):
    if response.status_code == 200:
        response_200 = Record.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = UnauthorizedProblem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ForbiddenProblem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = RecordNotFoundProblem.from_dict(response.json())

        return response_404

    if response.status_code == 406:
        response_406 = NotAcceptableProblem.from_dict(response.json())

        return response_406

    if response.status_code == 408:
        response_408 = RequestTimeoutProblem.from_dict(response.json())

        return response_408

    if response.status_code == 412:
        response_412 = PreconditionFailedProblem.from_dict(response.json())

        return response_412

    if response.status_code == 413:
        response_413 = ContentTooLargeProblem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = UnsupportedMediaTypeProblem.from_dict(response.json())

        return response_415

    if response.status_code == 417:
        response_417 = ExpectationFailedProblem.from_dict(response.json())

        return response_417

    if response.status_code == 429:
        response_429 = RateLimitedProblem.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = InternalErrorProblem.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if response.status_code == 504:
        response_504 = DatabaseTimeoutProblem.from_dict(response.json())

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[
    ContentTooLargeProblem
    | DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | PreconditionFailedProblem
    | Problem
    | RateLimitedProblem
    | Record
    | RecordNotFoundProblem
    | RequestTimeoutProblem
    | UnauthorizedProblem
    | UnsupportedMediaTypeProblem
]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    body: RecordReplace,
    if_match: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[
    ContentTooLargeProblem
    | DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | PreconditionFailedProblem
    | Problem
    | RateLimitedProblem
    | Record
    | RecordNotFoundProblem
    | RequestTimeoutProblem
    | UnauthorizedProblem
    | UnsupportedMediaTypeProblem
]:
    """Replace a record's payload

     Replaces the whole `payload`; `user_id` and `id` never change. `version` goes up by one
    and the answer carries the new `ETag`. Send `If-Match` with the `ETag` you read (`"` +
    `version` + `"`) so a concurrent change answers `412` instead of being overwritten.

    Args:
        id (str):
        if_match (str | Unset):
        if_none_match (str | Unset):
        x_request_id (str | Unset):
        body (RecordReplace):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ContentTooLargeProblem | DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | InternalErrorProblem | NotAcceptableProblem | PreconditionFailedProblem | Problem | RateLimitedProblem | Record | RecordNotFoundProblem | RequestTimeoutProblem | UnauthorizedProblem | UnsupportedMediaTypeProblem]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        if_match=if_match,
        if_none_match=if_none_match,
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    body: RecordReplace,
    if_match: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> (
    ContentTooLargeProblem
    | DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | PreconditionFailedProblem
    | Problem
    | RateLimitedProblem
    | Record
    | RecordNotFoundProblem
    | RequestTimeoutProblem
    | UnauthorizedProblem
    | UnsupportedMediaTypeProblem
    | None
):
    """Replace a record's payload

     Replaces the whole `payload`; `user_id` and `id` never change. `version` goes up by one
    and the answer carries the new `ETag`. Send `If-Match` with the `ETag` you read (`"` +
    `version` + `"`) so a concurrent change answers `412` instead of being overwritten.

    Args:
        id (str):
        if_match (str | Unset):
        if_none_match (str | Unset):
        x_request_id (str | Unset):
        body (RecordReplace):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ContentTooLargeProblem | DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | InternalErrorProblem | NotAcceptableProblem | PreconditionFailedProblem | Problem | RateLimitedProblem | Record | RecordNotFoundProblem | RequestTimeoutProblem | UnauthorizedProblem | UnsupportedMediaTypeProblem
    """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
        if_match=if_match,
        if_none_match=if_none_match,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    body: RecordReplace,
    if_match: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[
    ContentTooLargeProblem
    | DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | PreconditionFailedProblem
    | Problem
    | RateLimitedProblem
    | Record
    | RecordNotFoundProblem
    | RequestTimeoutProblem
    | UnauthorizedProblem
    | UnsupportedMediaTypeProblem
]:
    """Replace a record's payload

     Replaces the whole `payload`; `user_id` and `id` never change. `version` goes up by one
    and the answer carries the new `ETag`. Send `If-Match` with the `ETag` you read (`"` +
    `version` + `"`) so a concurrent change answers `412` instead of being overwritten.

    Args:
        id (str):
        if_match (str | Unset):
        if_none_match (str | Unset):
        x_request_id (str | Unset):
        body (RecordReplace):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ContentTooLargeProblem | DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | InternalErrorProblem | NotAcceptableProblem | PreconditionFailedProblem | Problem | RateLimitedProblem | Record | RecordNotFoundProblem | RequestTimeoutProblem | UnauthorizedProblem | UnsupportedMediaTypeProblem]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        if_match=if_match,
        if_none_match=if_none_match,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    body: RecordReplace,
    if_match: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> (
    ContentTooLargeProblem
    | DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | PreconditionFailedProblem
    | Problem
    | RateLimitedProblem
    | Record
    | RecordNotFoundProblem
    | RequestTimeoutProblem
    | UnauthorizedProblem
    | UnsupportedMediaTypeProblem
    | None
):
    """Replace a record's payload

     Replaces the whole `payload`; `user_id` and `id` never change. `version` goes up by one
    and the answer carries the new `ETag`. Send `If-Match` with the `ETag` you read (`"` +
    `version` + `"`) so a concurrent change answers `412` instead of being overwritten.

    Args:
        id (str):
        if_match (str | Unset):
        if_none_match (str | Unset):
        x_request_id (str | Unset):
        body (RecordReplace):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ContentTooLargeProblem | DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | InternalErrorProblem | NotAcceptableProblem | PreconditionFailedProblem | Problem | RateLimitedProblem | Record | RecordNotFoundProblem | RequestTimeoutProblem | UnauthorizedProblem | UnsupportedMediaTypeProblem
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
            if_match=if_match,
            if_none_match=if_none_match,
            x_request_id=x_request_id,
        )
    ).parsed
