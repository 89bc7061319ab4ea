"""Summarize a Schemathesis NDJSON event stream (run.sh writes events.ndjson).

    python summarize.py events.ndjson [--failures]

Prints, per API operation and phase, how many test cases ran and the response statuses they
got; with --failures, every failing check result grouped by (operation, check, status,
problem `code`), with a count and one case id: unlike the console summary, which keeps one
failure per (operation, check, status), this shows each distinct server answer behind it.
"""

from __future__ import annotations

import base64
import json
import sys
from collections import Counter, defaultdict

PHASES = ["examples", "coverage", "fuzzing", "stateful"]


def _content(interaction: dict) -> bytes:
    content = (interaction.get("response") or {}).get("content")
    if isinstance(content, dict) and "$base64" in content:
        return base64.b64decode(content["$base64"])
    if isinstance(content, str):
        return content.encode()
    return b""


def _problem(interaction: dict) -> str:
    try:
        body = json.loads(_content(interaction))
    except ValueError:
        return ""
    if isinstance(body, dict) and "code" in body:
        return str(body["code"])
    return ""


def main(path: str, show_failures: bool) -> int:
    cases: dict[tuple[str, str], set[str]] = defaultdict(set)
    statuses: dict[tuple[str, str], Counter] = defaultdict(Counter)
    failures: dict[tuple, list] = {}
    seen_interactions: set[str] = set()
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            phase = finished.get("phase", "?")
            recorder = finished.get("recorder") or {}
            for case_id, node in (recorder.get("cases") or {}).items():
                value = node.get("value") or {}
                label = f"{value.get('method', '?').upper()} {value.get('path', '?')}"
                cases[(label, phase)].add(case_id)
                interaction = (recorder.get("interactions") or {}).get(case_id)
                if interaction and case_id not in seen_interactions:
                    seen_interactions.add(case_id)
                    code = (interaction.get("response") or {}).get("status_code")
                    statuses[(label, phase)][code] += 1
                for check in (recorder.get("checks") or {}).get(case_id, []):
                    if check.get("status") != "failure":
                        continue
                    status = (interaction or {}).get("response", {}).get("status_code")
                    mode = ((value.get("meta") or {}).get("generation") or {}).get("mode", "?")
                    key = (label, check.get("name"), mode, status, _problem(interaction or {}))
                    entry = failures.setdefault(key, [0, case_id, phase])
                    entry[0] += 1
    labels = sorted({label for label, _ in cases})
    # The coverage phase also sends each path the methods it does not declare (expecting 405):
    # one line for all of those instead of one per method and path.
    probes = [
        label
        for label in labels
        if all(p == "coverage" for lbl, p in cases if lbl == label)
        and set(statuses.get((label, "coverage"), {})) <= {405}
        and len(cases[(label, "coverage")]) == 1
    ]
    labels = [label for label in labels if label not in probes]
    print(f"{'operation':<28}" + "".join(f"{p:>10}" for p in PHASES) + f"{'total':>8}   statuses")
    for label in labels:
        counts = [len(cases.get((label, p), ())) for p in PHASES]
        merged: Counter = Counter()
        for p in PHASES:
            merged.update(statuses.get((label, p), Counter()))
        status_text = ", ".join(f"{k}x{v}" for k, v in sorted(merged.items(), key=lambda kv: str(kv[0])))
        print(f"{label:<28}" + "".join(f"{c:>10}" for c in counts) + f"{sum(counts):>8}   {status_text}")
    if probes:
        paths = {label.split(" ", 1)[1] for label in probes}
        print(f"{'undeclared methods':<28}{'':>10}{len(probes):>10}{'':>20}{len(probes):>8}   "
              f"405x{len(probes)} ({len(paths)} paths)")
    totals = [sum(len(cases.get((label, p), ())) for label in labels + probes) for p in PHASES]
    print(f"{'all':<28}" + "".join(f"{c:>10}" for c in totals) + f"{sum(totals):>8}")
    if show_failures:
        print("\nfailing check results (operation | check | mode | status | problem code): count, case id, phase")
        for key, (count, case_id, phase) in sorted(failures.items(), key=lambda kv: [str(x) for x in kv[0]]):
            print(" | ".join(str(k) for k in key) + f": {count}, {case_id}, {phase}")
    return 0


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.exit(__doc__)
    sys.exit(main(args[0], "--failures" in sys.argv))
