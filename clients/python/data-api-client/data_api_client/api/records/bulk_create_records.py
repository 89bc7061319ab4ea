from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.bulk_create_minimal import BulkCreateMinimal
from ...models.bulk_create_request import BulkCreateRequest
from ...models.bulk_create_response import BulkCreateResponse
from ...models.content_too_large_problem import ContentTooLargeProblem
from ...models.database_timeout_problem import DatabaseTimeoutProblem
from ...models.expectation_failed_problem import ExpectationFailedProblem
from ...models.forbidden_problem import ForbiddenProblem
from ...models.idempotency_key_reused_problem import IdempotencyKeyReusedProblem
from ...models.internal_error_problem import InternalErrorProblem
from ...models.not_acceptable_problem import NotAcceptableProblem
from ...models.problem import Problem
from ...models.rate_limited_problem import RateLimitedProblem
from ...models.request_timeout_problem import RequestTimeoutProblem
from ...models.unauthorized_problem import UnauthorizedProblem
from ...models.unsupported_media_type_problem import UnsupportedMediaTypeProblem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: BulkCreateRequest,
    idempotency_key: str | Unset = UNSET,
    prefer: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    if not isinstance(prefer, Unset):
        headers["Prefer"] = prefer

    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/data/bulk",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> (
    BulkCreateMinimal
    | BulkCreateResponse
    | ContentTooLargeProblem
    | DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | IdempotencyKeyReusedProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | Problem
    | RateLimitedProblem
    | RequestTimeoutProblem
    | UnauthorizedProblem
    | UnsupportedMediaTypeProblem
    | None
):
    if response.status_code == 201:

        def _parse_response_201(data: object) -> BulkCreateMinimal | BulkCreateResponse:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_201_type_0 = BulkCreateResponse.from_dict(data)

                return response_201_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            response_201_type_1 = BulkCreateMinimal.from_dict(data)

            return response_201_type_1

        response_201 = _parse_response_201(response.json())

        return response_201

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

    if response.status_code == 408:
        response_408 = RequestTimeoutProblem.from_dict(response.json())

        return response_408

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = ContentTooLargeProblem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = UnsupportedMediaTypeProblem.from_dict(response.json())

        return response_415

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
    BulkCreateMinimal
    | BulkCreateResponse
    | ContentTooLargeProblem
    | DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | IdempotencyKeyReusedProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | Problem
    | RateLimitedProblem
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
    *,
    client: AuthenticatedClient | Client,
    body: BulkCreateRequest,
    idempotency_key: str | Unset = UNSET,
    prefer: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[
    BulkCreateMinimal
    | BulkCreateResponse
    | ContentTooLargeProblem
    | DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | IdempotencyKeyReusedProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | Problem
    | RateLimitedProblem
    | RequestTimeoutProblem
    | UnauthorizedProblem
    | UnsupportedMediaTypeProblem
]:
    """Create many records at once

     Creates every item in one transaction, all or nothing: one invalid item rejects the
    whole request and nothing is written. The response lists the records in input order.
    The server may accept fewer items per request than the contract's maximum (see
    `BULK_MAX_ITEMS` in `docs/configuration.md`); over its limit the answer is `400`. It
    spends one unit of the caller's write budget per item, at most the whole burst
    (`docs/rate-limiting.md`). With `Prefer: return=minimal` the answer holds the new ids and
    their count instead of the records (`BulkCreateMinimal`).

    Args:
        idempotency_key (str | Unset):
        prefer (str | Unset):
        x_request_id (str | Unset):
        body (BulkCreateRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BulkCreateMinimal | BulkCreateResponse | ContentTooLargeProblem | DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | IdempotencyKeyReusedProblem | InternalErrorProblem | NotAcceptableProblem | Problem | RateLimitedProblem | RequestTimeoutProblem | UnauthorizedProblem | UnsupportedMediaTypeProblem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
        prefer=prefer,
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: BulkCreateRequest,
    idempotency_key: str | Unset = UNSET,
    prefer: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> (
    BulkCreateMinimal
    | BulkCreateResponse
    | ContentTooLargeProblem
    | DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | IdempotencyKeyReusedProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | Problem
    | RateLimitedProblem
    | RequestTimeoutProblem
    | UnauthorizedProblem
    | UnsupportedMediaTypeProblem
    | None
):
    """Create many records at once

     Creates every item in one transaction, all or nothing: one invalid item rejects the
    whole request and nothing is written. The response lists the records in input order.
    The server may accept fewer items per request than the contract's maximum (see
    `BULK_MAX_ITEMS` in `docs/configuration.md`); over its limit the answer is `400`. It
    spends one unit of the caller's write budget per item, at most the whole burst
    (`docs/rate-limiting.md`). With `Prefer: return=minimal` the answer holds the new ids and
    their count instead of the records (`BulkCreateMinimal`).

    Args:
        idempotency_key (str | Unset):
        prefer (str | Unset):
        x_request_id (str | Unset):
        body (BulkCreateRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BulkCreateMinimal | BulkCreateResponse | ContentTooLargeProblem | DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | IdempotencyKeyReusedProblem | InternalErrorProblem | NotAcceptableProblem | Problem | RateLimitedProblem | RequestTimeoutProblem | UnauthorizedProblem | UnsupportedMediaTypeProblem
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
        prefer=prefer,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: BulkCreateRequest,
    idempotency_key: str | Unset = UNSET,
    prefer: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[
    BulkCreateMinimal
    | BulkCreateResponse
    | ContentTooLargeProblem
    | DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | IdempotencyKeyReusedProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | Problem
    | RateLimitedProblem
    | RequestTimeoutProblem
    | UnauthorizedProblem
    | UnsupportedMediaTypeProblem
]:
    """Create many records at once

     Creates every item in one transaction, all or nothing: one invalid item rejects the
    whole request and nothing is written. The response lists the records in input order.
    The server may accept fewer items per request than the contract's maximum (see
    `BULK_MAX_ITEMS` in `docs/configuration.md`); over its limit the answer is `400`. It
    spends one unit of the caller's write budget per item, at most the whole burst
    (`docs/rate-limiting.md`). With `Prefer: return=minimal` the answer holds the new ids and
    their count instead of the records (`BulkCreateMinimal`).

    Args:
        idempotency_key (str | Unset):
        prefer (str | Unset):
        x_request_id (str | Unset):
        body (BulkCreateRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BulkCreateMinimal | BulkCreateResponse | ContentTooLargeProblem | DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | IdempotencyKeyReusedProblem | InternalErrorProblem | NotAcceptableProblem | Problem | RateLimitedProblem | RequestTimeoutProblem | UnauthorizedProblem | UnsupportedMediaTypeProblem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
        prefer=prefer,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: BulkCreateRequest,
    idempotency_key: str | Unset = UNSET,
    prefer: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> (
    BulkCreateMinimal
    | BulkCreateResponse
    | ContentTooLargeProblem
    | DatabaseTimeoutProblem
    | ExpectationFailedProblem
    | ForbiddenProblem
    | IdempotencyKeyReusedProblem
    | InternalErrorProblem
    | NotAcceptableProblem
    | Problem
    | RateLimitedProblem
    | RequestTimeoutProblem
    | UnauthorizedProblem
    | UnsupportedMediaTypeProblem
    | None
):
    """Create many records at once

     Creates every item in one transaction, all or nothing: one invalid item rejects the
    whole request and nothing is written. The response lists the records in input order.
    The server may accept fewer items per request than the contract's maximum (see
    `BULK_MAX_ITEMS` in `docs/configuration.md`); over its limit the answer is `400`. It
    spends one unit of the caller's write budget per item, at most the whole burst
    (`docs/rate-limiting.md`). With `Prefer: return=minimal` the answer holds the new ids and
    their count instead of the records (`BulkCreateMinimal`).

    Args:
        idempotency_key (str | Unset):
        prefer (str | Unset):
        x_request_id (str | Unset):
        body (BulkCreateRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BulkCreateMinimal | BulkCreateResponse | ContentTooLargeProblem | DatabaseTimeoutProblem | ExpectationFailedProblem | ForbiddenProblem | IdempotencyKeyReusedProblem | InternalErrorProblem | NotAcceptableProblem | Problem | RateLimitedProblem | RequestTimeoutProblem | UnauthorizedProblem | UnsupportedMediaTypeProblem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
            prefer=prefer,
            x_request_id=x_request_id,
        )
    ).parsed
