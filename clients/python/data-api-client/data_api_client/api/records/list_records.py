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
from ...models.record_page import RecordPage
from ...models.unauthorized_problem import UnauthorizedProblem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    user_id: str,
    limit: int | Unset = 20,
    cursor: str | Unset = UNSET,
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

    params["limit"] = limit

    params["cursor"] = cursor

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
        "url": "/data",
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
    | RecordPage
    | UnauthorizedProblem
    | None
):
    if response.status_code == 200:
        response_200 = RecordPage.from_dict(response.json())

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
    | RecordPage
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
    limit: int | Unset = 20,
    cursor: str | Unset = UNSET,
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
    | RecordPage
    | UnauthorizedProblem
]:
    """List a user's records

     The records of one user, newest first (`created_at` descending, then `id` descending).
    Pass `next_cursor` back as `cursor` to read the next page, with the same `user_id`,
    `created_after`, `created_before` and `payload_contains`; a cursor issued for other
    values, or altered, is refused with `400`. `next_cursor` is `null` on the last page.

    With `payload_contains`, each page examines at most 10,000 of the user's records (from
    the cursor down): a page may then hold fewer records than `limit`, even none, and still
    carry a `next_cursor`. Follow the cursors to the one that is `null`: the walk meets
    every matching record once, however many records the user has and however few match.

    Args:
        user_id (str): The owner of a record: 1 to 128 characters of `A-Z a-z 0-9 . _ @ : -`.
        limit (int | Unset):  Default: 20.
        cursor (str | Unset):
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        payload_contains (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | InternalErrorProblem | NotAcceptableProblem | Problem | RateLimitedProblem | RecordPage | UnauthorizedProblem]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        limit=limit,
        cursor=cursor,
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
    limit: int | Unset = 20,
    cursor: str | Unset = UNSET,
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
    | RecordPage
    | UnauthorizedProblem
    | None
):
    """List a user's records

     The records of one user, newest first (`created_at` descending, then `id` descending).
    Pass `next_cursor` back as `cursor` to read the next page, with the same `user_id`,
    `created_after`, `created_before` and `payload_contains`; a cursor issued for other
    values, or altered, is refused with `400`. `next_cursor` is `null` on the last page.

    With `payload_contains`, each page examines at most 10,000 of the user's records (from
    the cursor down): a page may then hold fewer records than `limit`, even none, and still
    carry a `next_cursor`. Follow the cursors to the one that is `null`: the walk meets
    every matching record once, however many records the user has and however few match.

    Args:
        user_id (str): The owner of a record: 1 to 128 characters of `A-Z a-z 0-9 . _ @ : -`.
        limit (int | Unset):  Default: 20.
        cursor (str | Unset):
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        payload_contains (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | InternalErrorProblem | NotAcceptableProblem | Problem | RateLimitedProblem | RecordPage | UnauthorizedProblem
    """

    return sync_detailed(
        client=client,
        user_id=user_id,
        limit=limit,
        cursor=cursor,
        created_after=created_after,
        created_before=created_before,
        payload_contains=payload_contains,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    user_id: str,
    limit: int | Unset = 20,
    cursor: str | Unset = UNSET,
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
    | RecordPage
    | UnauthorizedProblem
]:
    """List a user's records

     The records of one user, newest first (`created_at` descending, then `id` descending).
    Pass `next_cursor` back as `cursor` to read the next page, with the same `user_id`,
    `created_after`, `created_before` and `payload_contains`; a cursor issued for other
    values, or altered, is refused with `400`. `next_cursor` is `null` on the last page.

    With `payload_contains`, each page examines at most 10,000 of the user's records (from
    the cursor down): a page may then hold fewer records than `limit`, even none, and still
    carry a `next_cursor`. Follow the cursors to the one that is `null`: the walk meets
    every matching record once, however many records the user has and however few match.

    Args:
        user_id (str): The owner of a record: 1 to 128 characters of `A-Z a-z 0-9 . _ @ : -`.
        limit (int | Unset):  Default: 20.
        cursor (str | Unset):
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        payload_contains (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | InternalErrorProblem | NotAcceptableProblem | Problem | RateLimitedProblem | RecordPage | UnauthorizedProblem]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        limit=limit,
        cursor=cursor,
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
    limit: int | Unset = 20,
    cursor: str | Unset = UNSET,
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
    | RecordPage
    | UnauthorizedProblem
    | None
):
    """List a user's records

     The records of one user, newest first (`created_at` descending, then `id` descending).
    Pass `next_cursor` back as `cursor` to read the next page, with the same `user_id`,
    `created_after`, `created_before` and `payload_contains`; a cursor issued for other
    values, or altered, is refused with `400`. `next_cursor` is `null` on the last page.

    With `payload_contains`, each page examines at most 10,000 of the user's records (from
    the cursor down): a page may then hold fewer records than `limit`, even none, and still
    carry a `next_cursor`. Follow the cursors to the one that is `null`: the walk meets
    every matching record once, however many records the user has and however few match.

    Args:
        user_id (str): The owner of a record: 1 to 128 characters of `A-Z a-z 0-9 . _ @ : -`.
        limit (int | Unset):  Default: 20.
        cursor (str | Unset):
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        payload_contains (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | InternalErrorProblem | NotAcceptableProblem | Problem | RateLimitedProblem | RecordPage | UnauthorizedProblem
    """

    return (
        await asyncio_detailed(
            client=client,
            user_id=user_id,
            limit=limit,
            cursor=cursor,
            created_after=created_after,
            created_before=created_before,
            payload_contains=payload_contains,
            x_request_id=x_request_id,
        )
    ).parsed
