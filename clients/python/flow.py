"""The flow a partner runs, with the client generated from the partner view of the contract.

    DATA_API_URL=http://localhost:8000 DATA_API_TOKEN=<bearer token for user_id DATA_API_USER> \
        python clients/python/flow.py

Create (with an Idempotency-Key, and its replay), bulk create, every page of a list, a
conditional read (304), a replace with If-Match (and a stale one: 412), a merge patch, a delete
(then 404), big numbers with every digit, and a typed 401. Exits 1 at the first step that fails.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from decimal import Decimal
from http import HTTPStatus
from typing import Any

from data_api_client import AuthenticatedClient, Client
from data_api_client.api.records import (
    bulk_create_records,
    create_record,
    delete_record,
    erase_user_records,
    export_records,
    get_record,
    list_records,
    patch_record,
    replace_record,
)
from data_api_client.models import (
    BulkCreateRequest,
    BulkCreateResponse,
    Payload,
    PreconditionFailedProblem,
    Record,
    RecordCreate,
    RecordMergePatch,
    RecordMergePatchPayload,
    RecordNotFoundProblem,
    RecordPage,
    RecordReplace,
    UnauthorizedProblem,
    UserErased,
)
from data_api_client.types import UNSET, Unset

steps: list[str] = []


def check(condition: bool, step: str) -> None:
    if not condition:
        print(f"python client flow: FAILED at: {step}", file=sys.stderr)
        sys.exit(1)
    steps.append(step)


def payload(values: dict[str, Any]) -> Payload:
    p = Payload()
    p.additional_properties = values
    return p


def etag(record: Record) -> str:
    """A record's entity tag, built from its body: '"' + version + '"'."""
    return f'"{record.version}"'


def main() -> None:
    base_url = os.environ["DATA_API_URL"]
    user = os.environ.get("DATA_API_USER", "python-flow")
    client = AuthenticatedClient(base_url=base_url, token=os.environ["DATA_API_TOKEN"])

    # Create, with an Idempotency-Key; the same request again is the stored answer.
    key = str(uuid.uuid4())
    body = RecordCreate(user_id=user, payload=payload({"name": "Ana", "big": 18446744073709551615}))
    created = create_record.sync_detailed(client=client, body=body, idempotency_key=key)
    check(created.status_code == HTTPStatus.CREATED, "create answers 201")
    record = created.parsed
    assert isinstance(record, Record)
    check(created.headers["etag"] == etag(record) == '"1"', "the ETag is '\"' + version + '\"'")
    check(created.headers["location"] == f"/data/{record.id}", "Location names the record")
    again = create_record.sync_detailed(client=client, body=body, idempotency_key=key)
    check(again.headers.get("idempotent-replayed") == "true", "a retry with the key is the replay")
    check(isinstance(again.parsed, Record) and again.parsed.id == record.id, "the replay is the same record")

    # Big numbers: Python's json keeps integers exactly.
    check(record.payload.additional_properties["big"] == 18446744073709551615, "a 64-bit integer keeps every digit")

    # Bulk create, then every page of the list.
    items = [RecordCreate(user_id=user, payload=payload({"i": i})) for i in range(12)]
    bulk = bulk_create_records.sync_detailed(client=client, body=BulkCreateRequest(items=items))
    check(isinstance(bulk.parsed, BulkCreateResponse), "bulk create answers the records")
    assert isinstance(bulk.parsed, BulkCreateResponse)
    check([r.payload.additional_properties["i"] for r in bulk.parsed.items] == list(range(12)), "in input order")
    seen: list[str] = []
    cursor: str | Unset = UNSET
    pages = 0
    while True:
        page = list_records.sync(client=client, user_id=user, limit=5, cursor=cursor)
        assert isinstance(page, RecordPage)
        pages += 1
        seen.extend(r.id for r in page.items)
        if not isinstance(page.next_cursor, str):
            break
        cursor = page.next_cursor
    check(pages == 3 and len(seen) == 13 == len(set(seen)), "every page, each record once")

    # Conditional read: 304 is "not modified", not an error.
    unchanged = get_record.sync_detailed(record.id, client=client, if_none_match=etag(record))
    check(unchanged.status_code == HTTPStatus.NOT_MODIFIED and unchanged.parsed is None, "If-None-Match: 304")

    # Replace with If-Match; a stale tag is refused with a typed 412.
    replaced = replace_record.sync(
        record.id, client=client, body=RecordReplace(payload=payload({"name": "Ana", "v": 2})), if_match=etag(record)
    )
    check(isinstance(replaced, Record) and replaced.version == 2, "replace with the current ETag")
    stale = replace_record.sync(
        record.id, client=client, body=RecordReplace(payload=payload({"v": 3})), if_match=etag(record)
    )
    check(isinstance(stale, PreconditionFailedProblem) and stale.code.value == "DAPI-4121", "a stale ETag: 412")

    # Merge patch, sent as application/merge-patch+json by the generated code.
    patch = RecordMergePatchPayload()
    patch.additional_properties = {"name": None, "nick": "A"}
    patched = patch_record.sync(record.id, client=client, body=RecordMergePatch(payload=patch), if_match='"2"')
    check(isinstance(patched, Record), "merge patch answers the record")
    assert isinstance(patched, Record)
    check(patched.payload.additional_properties == {"v": 2, "nick": "A"}, "null removes, others merge")

    # Decimals with every digit: send and read the JSON text yourself.
    exact = '{"user_id": "%s", "payload": {"amount": 0.1000000000000000055511151231257827}}' % user
    raw = client.get_httpx_client().post(
        "/data", content=exact, headers={"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
    )
    read = get_record.sync_detailed(json.loads(raw.content)["id"], client=client)
    amount = json.loads(read.content, parse_float=Decimal)["payload"]["amount"]
    check(amount == Decimal("0.1000000000000000055511151231257827"), "a decimal keeps every digit (parse_float)")

    # Unknown response members are ignored: a later minor version may add some.
    future = Record.from_dict({**record.to_dict(), "labels": ["new"]})
    check(future.id == record.id, "an unknown member is ignored")

    # Delete with If-Match; the record is then a typed 404.
    deleted = delete_record.sync_detailed(record.id, client=client, if_match='"3"')
    check(deleted.status_code == HTTPStatus.NO_CONTENT, "delete answers 204")
    gone = get_record.sync(record.id, client=client)
    check(isinstance(gone, RecordNotFoundProblem) and gone.code.value == "DAPI-4041", "then 404 record-not-found")

    # Filter by payload content; export as NDJSON (the generator leaves the stream to .content).
    tagged = list_records.sync(
        client=client, user_id=user, payload_contains='{"amount": 0.1000000000000000055511151231257827}'
    )
    check(isinstance(tagged, RecordPage) and len(tagged.items) == 1, "payload_contains finds the record")
    export = export_records.sync_detailed(client=client, user_id=user)
    lines = [json.loads(line) for line in export.content.decode().splitlines() if line.strip()]
    check(export.status_code == HTTPStatus.OK and len(lines) >= 1, "export answers NDJSON lines")

    # Erase the user: every record goes, counted; a second call counts none.
    erased = erase_user_records.sync(client=client, user_id=user, idempotency_key=str(uuid.uuid4()))
    check(isinstance(erased, UserErased) and erased.deleted == len(lines), "erase counts the records")
    second = erase_user_records.sync(client=client, user_id=user, idempotency_key=str(uuid.uuid4()))
    check(isinstance(second, UserErased) and second.deleted == 0, "a second erase deletes none")

    # No credentials: a typed 401.
    anonymous = list_records.sync(client=Client(base_url=base_url), user_id=user)
    check(isinstance(anonymous, UnauthorizedProblem) and anonymous.code.value == "DAPI-4011", "no token: 401")

    print(f"python client flow: {len(steps)} steps passed")


if __name__ == "__main__":
    main()
