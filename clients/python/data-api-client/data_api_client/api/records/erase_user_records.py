from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.database_timeout_problem import DatabaseTimeoutProblem
from ...models.expectation_failed_problem import ExpectationFailedProblem
from ...models.forbidden_problem import ForbiddenProblem
from ...models.idempotency_key_reused_problem import IdempotencyKeyReusedProblem
from ...models.internal_error_problem import InternalErrorProblem
from ...models.not_acceptable_problem import NotAcceptableProblem
from ...models.problem import Problem
from ...models.rate_limited_problem import RateLimitedProblem
from ...models.unauthorized_problem import UnauthorizedProblem
from ...models.user_erased import UserErased
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    user_id: str,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    params: dict[str, Any] = {}

    params["user_id"] = user_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "delete",
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
    | IdempotencyKeyReusedProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | Problem
    | RateLimitedProblem
    | UnauthorizedProblem
    | UserErased
    | None
):
    if response.status_code == 200:
        response_200 = UserErased.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 417:
        response_417 = ExpectationFailedProblem.from_dict(response.json())

        return response_417

    if response.status_code == 422:
        response_422 = IdempotencyKeyReusedProblem.from_dict(response.json())

        return response_422

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
    | IdempotencyKeyReusedProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | Problem
    | RateLimitedProblem
    | UnauthorizedProblem
    | UserErased
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
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[
    DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | IdempotencyKeyReusedProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | Problem
    | RateLimitedProblem
    | UnauthorizedProblem
    | UserErased
]:
    """Erase every record of a user

     Deletes every record of `user_id` and answers how many it deleted; a second call answers
    `deleted: 0`. `user_id` is required: there is no "delete everything". The records go in
    batches of a thousand, each its own short transaction, newest first: a user with
    millions of records never holds long locks, and if the request is interrupted what was
    deleted stays deleted and a retry deletes the rest. Records created while it runs may
    survive it. Afterwards no read, on any instance or cache level, answers an erased record.
    One `user.erased` change event carries the count (no `data.deleted` per record). Needs
    `data:write` for the caller's own `user_id`, or `data:admin`. Takes an `Idempotency-Key`
    as a create does; the fingerprint is the operation and `user_id`.

    Args:
        user_id (str): The owner of a record: 1 to 128 characters of `A-Z a-z 0-9 . _ @ : -`.
        idempotency_key (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | IdempotencyKeyReusedProblem | InternalErrorProblem | NotAcceptableProblem | Problem | RateLimitedProblem | UnauthorizedProblem | UserErased]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        idempotency_key=idempotency_key,
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
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> (
    DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | IdempotencyKeyReusedProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | Problem
    | RateLimitedProblem
    | UnauthorizedProblem
    | UserErased
    | None
):
    """Erase every record of a user

     Deletes every record of `user_id` and answers how many it deleted; a second call answers
    `deleted: 0`. `user_id` is required: there is no "delete everything". The records go in
    batches of a thousand, each its own short transaction, newest first: a user with
    millions of records never holds long locks, and if the request is interrupted what was
    deleted stays deleted and a retry deletes the rest. Records created while it runs may
    survive it. Afterwards no read, on any instance or cache level, answers an erased record.
    One `user.erased` change event carries the count (no `data.deleted` per record). Needs
    `data:write` for the caller's own `user_id`, or `data:admin`. Takes an `Idempotency-Key`
    as a create does; the fingerprint is the operation and `user_id`.

    Args:
        user_id (str): The owner of a record: 1 to 128 characters of `A-Z a-z 0-9 . _ @ : -`.
        idempotency_key (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | IdempotencyKeyReusedProblem | InternalErrorProblem | NotAcceptableProblem | Problem | RateLimitedProblem | UnauthorizedProblem | UserErased
    """

    return sync_detailed(
        client=client,
        user_id=user_id,
        idempotency_key=idempotency_key,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    user_id: str,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[
    DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | IdempotencyKeyReusedProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | Problem
    | RateLimitedProblem
    | UnauthorizedProblem
    | UserErased
]:
    """Erase every record of a user

     Deletes every record of `user_id` and answers how many it deleted; a second call answers
    `deleted: 0`. `user_id` is required: there is no "delete everything". The records go in
    batches of a thousand, each its own short transaction, newest first: a user with
    millions of records never holds long locks, and if the request is interrupted what was
    deleted stays deleted and a retry deletes the rest. Records created while it runs may
    survive it. Afterwards no read, on any instance or cache level, answers an erased record.
    One `user.erased` change event carries the count (no `data.deleted` per record). Needs
    `data:write` for the caller's own `user_id`, or `data:admin`. Takes an `Idempotency-Key`
    as a create does; the fingerprint is the operation and `user_id`.

    Args:
        user_id (str): The owner of a record: 1 to 128 characters of `A-Z a-z 0-9 . _ @ : -`.
        idempotency_key (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | IdempotencyKeyReusedProblem | InternalErrorProblem | NotAcceptableProblem | Problem | RateLimitedProblem | UnauthorizedProblem | UserErased]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        idempotency_key=idempotency_key,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    user_id: str,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> (
    DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | IdempotencyKeyReusedProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | Problem
    | RateLimitedProblem
    | UnauthorizedProblem
    | UserErased
    | None
):
    """Erase every record of a user

     Deletes every record of `user_id` and answers how many it deleted; a second call answers
    `deleted: 0`. `user_id` is required: there is no "delete everything". The records go in
    batches of a thousand, each its own short transaction, newest first: a user with
    millions of records never holds long locks, and if the request is interrupted what was
    deleted stays deleted and a retry deletes the rest. Records created while it runs may
    survive it. Afterwards no read, on any instance or cache level, answers an erased record.
    One `user.erased` change event carries the count (no `data.deleted` per record). Needs
    `data:write` for the caller's own `user_id`, or `data:admin`. Takes an `Idempotency-Key`
    as a create does; the fingerprint is the operation and `user_id`.

    Args:
        user_id (str): The owner of a record: 1 to 128 characters of `A-Z a-z 0-9 . _ @ : -`.
        idempotency_key (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | IdempotencyKeyReusedProblem | InternalErrorProblem | NotAcceptableProblem | Problem | RateLimitedProblem | UnauthorizedProblem | UserErased
    """

    return (
        await asyncio_detailed(
            client=client,
            user_id=user_id,
            idempotency_key=idempotency_key,
            x_request_id=x_request_id,
        )
    ).parsed
