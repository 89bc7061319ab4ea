"""Schemathesis hooks for run.sh, loaded through SCHEMATHESIS_HOOKS=hooks.

Generated data stays what Schemathesis draws from the contract; nothing here filters inputs.
The hook below drops two precisely identified kinds of check failure, and only those (see
README.md beside this file); every other check on the same responses still counts.
"""

from __future__ import annotations

import json

import schemathesis


def _problem_code(response) -> str | None:
    try:
        body = json.loads(response.content or b"")
    except (ValueError, TypeError):
        return None
    return body.get("code") if isinstance(body, dict) else None


_FILTER_CODES = {"DAPI-4001", "DAPI-4002", "DAPI-4004"}


def _problem_pointers(response) -> list:
    try:
        body = json.loads(response.content or b"")
    except (ValueError, TypeError):
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e.get("pointer") for e in errors or [] if isinstance(e, dict)]


def _storable_object(text) -> bool:
    """True when `text` is a JSON object the service must take as payload_contains: JSON with
    no member named twice in one object and no NaN/Infinity, an object, nested 32 levels at
    most, with no U+0000 or lone surrogate, and no number outside a double's range."""

    def pairs(items):
        keys = [k for k, _ in items]
        if len(keys) != len(set(keys)):
            raise ValueError("a member named twice")
        return dict(items)

    def constant(_name):
        raise ValueError("not JSON")

    try:
        value = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except (ValueError, TypeError, RecursionError):
        return False
    if not isinstance(value, dict):
        return False
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > 32:
                return False
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in children:
                if isinstance(key, str) and not _storable_string(key):
                    return False
                stack.append((child, depth + 1))
        elif isinstance(item, str) and not _storable_string(item):
            return False
        elif isinstance(item, float) and item in (float("inf"), float("-inf")):
            return False
    return True


def _storable_string(s: str) -> bool:
    if "\x00" in s:
        return False
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def _has_negative_component(case) -> bool:
    meta = case.meta
    if meta is None:
        return False
    return any(info.mode.is_negative for info in (meta.components or {}).values())


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    """Keep every failure except the two `positive_data_acceptance` false positives below.

    1. A case that Schemathesis labels positive while its own metadata marks one of its
    components (path, query, header, body) negative. Schemathesis 4.32's coverage phase does
    this for an optional header whose `pattern` needs a character outside [A-Za-z0-9] (such
    as the entity-tag grammar of If-Match): it finds no valid value, seeds an invalid one
    ("0") into the cases that target the other parameters and still calls them positive.
    Such a request is not schema-valid, so its rejection is not a failure.

    2. A generated `cursor` on listRecords answered 400 DAPI-4003:
    `cursor` is an opaque token that only the server issues (`next_cursor`), signed and bound
    to the query; the contract says an altered or foreign cursor answers 400. A cursor drawn
    from `{type: string, minLength: 1, maxLength: 1024}` is therefore never one the server
    issued, and 400 DAPI-4003 (invalid-cursor) is the documented answer, not a rejection of
    valid data. Only that exact outcome is dropped: any other status or problem code on
    listRecords, and every other check on the same response, still count.

    3. A generated `payload_contains` on listRecords or exportRecords answered 400 naming it:
    the parameter is a string in the contract, whose description says it must be a JSON object
    (nested no deeper than a payload, numbers within the payload's limits), and that anything
    else answers 400. A string drawn from `{type: string, minLength: 2, maxLength: 2048}` is
    almost never one. Dropped only when the problem (DAPI-4001, -4002 or -4004) points at
    payload_contains and the value is indeed not such an object (checked here, independently
    of the server): a storable object refused with 400 still fails.
    """
    if "positive_data_acceptance" not in getattr(failure, "checks", ()):
        return True
    if _has_negative_component(case):
        return False
    operation = case.operation.definition.raw if case.operation is not None else {}
    if operation.get("operationId") in ("listRecords", "exportRecords"):
        contains = (case.query or {}).get("payload_contains")
        if (
            isinstance(contains, str)
            and response.status_code == 400
            and _problem_code(response) in _FILTER_CODES
            and "payload_contains" in _problem_pointers(response)
            and not _storable_object(contains)
        ):
            return False
    if operation.get("operationId") != "listRecords":
        return True
    if "cursor" not in (case.query or {}):
        return True
    return not (response.status_code == 400 and _problem_code(response) == "DAPI-4003")
