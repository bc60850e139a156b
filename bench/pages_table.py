"""The before/after table of bench/pages.py's figures (its --json files), at 1 M and 2 M visits.

    python bench/pages_table.py /work/bench-data/pages-final.jsonl /work/bench-data/pages-final2.jsonl

Rows are the cases; for each label (e.g. "before", "after") the median at each size and the doubling
ratio (2 M / 1 M). With several runs of a case (several files, or rounds), the range of their medians.
A case answered with a background job shows the request's time and, after "job", the worker's time for
the same work. The range of the load averages before the cases is printed last: the machine is shared.
"""
import json
import sys
from collections import OrderedDict


def size_of(row: dict) -> str:
    return "2M" if "2,000,000 visits" in row["database"] else "1M" if "1,000,000 visits" in row["database"] else "?"


def span(values) -> str:
    lo, hi = min(values), max(values)
    return f"{lo:,.0f}" if round(lo) == round(hi) else f"{lo:,.0f}–{hi:,.0f}"


def cell(runs: list | None) -> str:
    if not runs:
        return "–"
    text = span([r["median_ms"] for r in runs])
    jobs = [r["job_ms"] for r in runs if r.get("job_ms") is not None]
    if jobs:
        text += f" (job {span(jobs)})"
    statuses = {r["status"] for r in runs} - {200, 302}
    if statuses:
        text += f" [{', '.join(map(str, sorted(statuses)))}]"
    return text


def total(runs: list | None) -> float | None:
    if not runs:
        return None
    return sum(r["median_ms"] + (r.get("job_ms") or 0) for r in runs) / len(runs)


def ratio(a: list | None, b: list | None) -> str:
    x, y = total(a), total(b)
    same = a and b and {r["status"] for r in a} == {r["status"] for r in b}
    return f"{y / x:.2f}" if x and y and same else "–"


def main(paths: list[str]) -> None:
    rows = [json.loads(line) for path in paths for line in open(path) if line.strip()]
    labels = list(OrderedDict.fromkeys(r["label"] for r in rows))
    cases: OrderedDict = OrderedDict()
    for r in rows:
        cases.setdefault(r["case"], {}).setdefault((r["label"], size_of(r)), []).append(r)
    head = ["page or job"]
    for label in labels:
        head += [f"{label} 1M ms", f"{label} 2M ms", "2M/1M"]
    head += ["load"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" + "---:|" * (len(head) - 2) + "---|")
    for case, got in cases.items():
        line = [case]
        for label in labels:
            a, b = got.get((label, "1M")), got.get((label, "2M"))
            line += [cell(a), cell(b), ratio(a, b)]
        line.append(span([r["load"] for runs in got.values() for r in runs]).replace(",", ""))
        print("| " + " | ".join(line) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
