import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.database_timeout_problem import DatabaseTimeoutProblem
from ...models.expectation_failed_problem import ExpectationFailedProblem
from ...models.forbidden_problem import ForbiddenProblem
from ...models.internal_error_problem import InternalErrorProblem
from ...models.not_acceptable_problem import NotAcceptableProblem
from ...models.problem import Problem
from ...models.rate_limited_problem import RateLimitedProblem
from ...models.unauthorized_problem import UnauthorizedProblem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    user_id: str,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    payload_contains: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    params: dict[str, Any] = {}

    params["user_id"] = user_id

    json_created_after: str | Unset = UNSET
    if not isinstance(created_after, Unset):
        json_created_after = created_after.isoformat()
    params["created_after"] = json_created_after

    json_created_before: str | Unset = UNSET
    if not isinstance(created_before, Unset):
        json_created_before = created_before.isoformat()
    params["created_before"] = json_created_before

    params["payload_contains"] = payload_contains

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/data/export",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> (
    DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | Problem
    | RateLimitedProblem
    | UnauthorizedProblem
    | None
):
    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = UnauthorizedProblem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ForbiddenProblem.from_dict(response.json())

        return response_403

    if response.status_code == 406:
        response_406 = NotAcceptableProblem.from_dict(response.json())

        return response_406

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
    DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | Problem
    | RateLimitedProblem
    | UnauthorizedProblem
]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    user_id: str,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    payload_contains: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[
    DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | Problem
    | RateLimitedProblem
    | UnauthorizedProblem
]:
    """Export every record of a user as NDJSON

     Every record of `user_id`, newest first, as newline-delimited JSON: one record per
    line, each exactly as `GET /data/{id}` answers it, each line ended by a line feed. The
    answer is streamed (chunked): it starts at once and takes as long as the records do, and
    the server's memory does not grow with their number. Honours `created_after`,
    `created_before` and `payload_contains` as the list does. A user with no records: `200`
    with an empty body. Encoded when `Accept-Encoding` asks (gzip, br, zstd). If the server
    fails after the answer has started, the connection is cut before the end of the chunked
    body, so a client never takes a cut export for a whole one. Needs `data:read` for the
    caller's own `user_id`, or `data:admin`; counts as one request against the rate limit.

    Args:
        user_id (str): The owner of a record: 1 to 128 characters of `A-Z a-z 0-9 . _ @ : -`.
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        payload_contains (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | InternalErrorProblem | NotAcceptableProblem | Problem | RateLimitedProblem | UnauthorizedProblem]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        created_after=created_after,
        created_before=created_before,
        payload_contains=payload_contains,
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    user_id: str,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    payload_contains: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> (
    DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | Problem
    | RateLimitedProblem
    | UnauthorizedProblem
    | None
):
    """Export every record of a user as NDJSON

     Every record of `user_id`, newest first, as newline-delimited JSON: one record per
    line, each exactly as `GET /data/{id}` answers it, each line ended by a line feed. The
    answer is streamed (chunked): it starts at once and takes as long as the records do, and
    the server's memory does not grow with their number. Honours `created_after`,
    `created_before` and `payload_contains` as the list does. A user with no records: `200`
    with an empty body. Encoded when `Accept-Encoding` asks (gzip, br, zstd). If the server
    fails after the answer has started, the connection is cut before the end of the chunked
    body, so a client never takes a cut export for a whole one. Needs `data:read` for the
    caller's own `user_id`, or `data:admin`; counts as one request against the rate limit.

    Args:
        user_id (str): The owner of a record: 1 to 128 characters of `A-Z a-z 0-9 . _ @ : -`.
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        payload_contains (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | InternalErrorProblem | NotAcceptableProblem | Problem | RateLimitedProblem | UnauthorizedProblem
    """

    return sync_detailed(
        client=client,
        user_id=user_id,
        created_after=created_after,
        created_before=created_before,
        payload_contains=payload_contains,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    user_id: str,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    payload_contains: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[
    DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | Problem
    | RateLimitedProblem
    | UnauthorizedProblem
]:
    """Export every record of a user as NDJSON

     Every record of `user_id`, newest first, as newline-delimited JSON: one record per
    line, each exactly as `GET /data/{id}` answers it, each line ended by a line feed. The
    answer is streamed (chunked): it starts at once and takes as long as the records do, and
    the server's memory does not grow with their number. Honours `created_after`,
    `created_before` and `payload_contains` as the list does. A user with no records: `200`
    with an empty body. Encoded when `Accept-Encoding` asks (gzip, br, zstd). If the server
    fails after the answer has started, the connection is cut before the end of the chunked
    body, so a client never takes a cut export for a whole one. Needs `data:read` for the
    caller's own `user_id`, or `data:admin`; counts as one request against the rate limit.

    Args:
        user_id (str): The owner of a record: 1 to 128 characters of `A-Z a-z 0-9 . _ @ : -`.
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        payload_contains (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | InternalErrorProblem | NotAcceptableProblem | Problem | RateLimitedProblem | UnauthorizedProblem]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        created_after=created_after,
        created_before=created_before,
        payload_contains=payload_contains,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    user_id: str,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    payload_contains: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> (
    DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | Problem
    | RateLimitedProblem
    | UnauthorizedProblem
    | None
):
    """Export every record of a user as NDJSON

     Every record of `user_id`, newest first, as newline-delimited JSON: one record per
    line, each exactly as `GET /data/{id}` answers it, each line ended by a line feed. The
    answer is streamed (chunked): it starts at once and takes as long as the records do, and
    the server's memory does not grow with their number. Honours `created_after`,
    `created_before` and `payload_contains` as the list does. A user with no records: `200`
    with an empty body. Encoded when `Accept-Encoding` asks (gzip, br, zstd). If the server
    fails after the answer has started, the connection is cut before the end of the chunked
    body, so a client never takes a cut export for a whole one. Needs `data:read` for the
    caller's own `user_id`, or `data:admin`; counts as one request against the rate limit.

    Args:
        user_id (str): The owner of a record: 1 to 128 characters of `A-Z a-z 0-9 . _ @ : -`.
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        payload_contains (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | InternalErrorProblem | NotAcceptableProblem | Problem | RateLimitedProblem | UnauthorizedProblem
    """

    return (
        await asyncio_detailed(
            client=client,
            user_id=user_id,
            created_after=created_after,
            created_before=created_before,
            payload_contains=payload_contains,
            x_request_id=x_request_id,
        )
    ).parsed
