from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.expectation_failed_problem import ExpectationFailedProblem
from ...models.internal_error_problem import InternalErrorProblem
from ...models.not_acceptable_problem import NotAcceptableProblem
from ...models.not_ready_problem import NotReadyProblem
from ...models.readiness import Readiness
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-Id"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/ready",
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ExpectationFailedProblem | InternalErrorProblem | NotAcceptableProblem | NotReadyProblem | Readiness | None:
    if response.status_code == 200:
        response_200 = Readiness.from_dict(response.json())

        return response_200

    if response.status_code == 406:
        response_406 = NotAcceptableProblem.from_dict(response.json())

        return response_406

    if response.status_code == 417:
        response_417 = ExpectationFailedProblem.from_dict(response.json())

        return response_417

    if response.status_code == 500:
        response_500 = InternalErrorProblem.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = NotReadyProblem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ExpectationFailedProblem | InternalErrorProblem | NotAcceptableProblem | NotReadyProblem | Readiness]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Response[ExpectationFailedProblem | InternalErrorProblem | NotAcceptableProblem | NotReadyProblem | Readiness]:
    """Readiness

     `200` when the service can serve traffic: the database answers. `503` when a required
    dependency fails or the process is shutting down; the body then names each check.

    Args:
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ExpectationFailedProblem | InternalErrorProblem | NotAcceptableProblem | NotReadyProblem | Readiness]
    """

    kwargs = _get_kwargs(
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> ExpectationFailedProblem | InternalErrorProblem | NotAcceptableProblem | NotReadyProblem | Readiness | None:
    """Readiness

     `200` when the service can serve traffic: the database answers. `503` when a required
    dependency fails or the process is shutting down; the body then names each check.

    Args:
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ExpectationFailedProblem | InternalErrorProblem | NotAcceptableProblem | NotReadyProblem | Readiness
    """

    return sync_detailed(
        client=client,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Response[ExpectationFailedProblem | InternalErrorProblem | NotAcceptableProblem | NotReadyProblem | Readiness]:
    """Readiness

     `200` when the service can serve traffic: the database answers. `503` when a required
    dependency fails or the process is shutting down; the body then names each check.

    Args:
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ExpectationFailedProblem | InternalErrorProblem | NotAcceptableProblem | NotReadyProblem | Readiness]
    """

    kwargs = _get_kwargs(
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> ExpectationFailedProblem | InternalErrorProblem | NotAcceptableProblem | NotReadyProblem | Readiness | None:
    """Readiness

     `200` when the service can serve traffic: the database answers. `503` when a required
    dependency fails or the process is shutting down; the body then names each check.

    Args:
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ExpectationFailedProblem | InternalErrorProblem | NotAcceptableProblem | NotReadyProblem | Readiness
    """

    return (
        await asyncio_detailed(
            client=client,
            x_request_id=x_request_id,
        )
    ).parsed
