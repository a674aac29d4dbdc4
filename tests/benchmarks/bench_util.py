#!/usr/bin/env python3
"""Helpers of run_asl_benchmarks.sh (python3 standard library only).

usage:
  bench_util.py gen-items COUNT OUT            write {"items":[{"id":i,"name":"item-i"},...]}
  bench_util.py hpcflow-output RESULT OUT      check hpcflow's `run --json` result says
                                               SUCCEEDED and write its "output" to OUT
  bench_util.py compare A B                    exit 0 if A and B hold the same JSON value
  bench_util.py expect-map COUNT FILE          exit 0 if FILE is the reshaped Map output
                                               for COUNT generated items
  bench_util.py table ROWS.tsv                 print the results table (Markdown)

JSON equality is structural and strict: object key order does not matter,
array order does, true is not 1, and numbers compare by value (1 == 1.0).
"""
import json
import sys


def gen_items(count: int, out: str) -> None:
    with open(out, "w", encoding="utf-8") as f:
        f.write('{"items":[')
        for i in range(count):
            if i:
                f.write(",")
            f.write('{"id":%d,"name":"item-%d"}' % (i, i))
        f.write("]}\n")


def load(path: str):
    with open(path, "r", encoding="utf-8") as f:
        return json.load(f)


def same(a, b, where="$"):
    """Returns None if equal, else a description of the first difference."""
    if isinstance(a, bool) or isinstance(b, bool):
        if not (isinstance(a, bool) and isinstance(b, bool) and a == b):
            return f"{where}: {json.dumps(a)[:80]} != {json.dumps(b)[:80]}"
        return None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return None if a == b else f"{where}: {a} != {b}"
    if type(a) is not type(b):
        return f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return f"{where}: keys {sorted(a.keys())[:10]} != {sorted(b.keys())[:10]}"
        for k in a:
            d = same(a[k], b[k], f"{where}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{where}: array length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = same(x, y, f"{where}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{where}: {json.dumps(a)[:80]} != {json.dumps(b)[:80]}"


def hpcflow_output(result_path: str, out_path: str) -> int:
    try:
        result = load(result_path)
    except (OSError, ValueError) as e:
        print(f"hpcflow result is not JSON: {e}", file=sys.stderr)
        return 1
    if not isinstance(result, dict) or result.get("status") != "SUCCEEDED":
        text = json.dumps(result)
        print(f"hpcflow run did not succeed: {text[:400]}", file=sys.stderr)
        return 1
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(result.get("output"), f, separators=(",", ":"))
    return 0


def expect_map(count: int, path: str) -> int:
    expected = [{"key": i, "label": f"item-{i}", "ok": True} for i in range(count)]
    d = same(load(path), expected)
    if d:
        print(f"unexpected Map output: {d}", file=sys.stderr)
        return 1
    return 0


def fmt(v, digits):
    if v in ("", "-", None):
        return "—"
    return f"{float(v):.{digits}f}"


def table(rows_path: str) -> int:
    # Columns of ROWS.tsv: workload target h_s h_kb p_s p_kb speed_goal mem_goal abs_s abs_mb
    header = ("| Workload | hpcflow s | hpcflow MB | peer s | peer MB | "
              "speed (peer/hpcflow) | memory (peer/hpcflow) | target | result |")
    lines = [header, "|---|---:|---:|---:|---:|---:|---:|---|---|"]
    with open(rows_path, encoding="utf-8") as f:
        for raw in f:
            raw = raw.rstrip("\n")
            if not raw:
                continue
            (name, target, h_s, h_kb, p_s, p_kb,
             speed_goal, mem_goal, abs_s, abs_mb) = raw.split("\t")
            h_mb = float(h_kb) / 1024 if h_kb not in ("", "-") else None
            p_mb = float(p_kb) / 1024 if p_kb not in ("", "-") else None
            speed = mem = None
            ok = h_s not in ("", "-")
            if ok and p_s not in ("", "-"):
                # /usr/bin/time has 10 ms resolution: never divide by zero.
                speed = float(p_s) / max(float(h_s), 0.01)
                mem = p_mb / h_mb if h_mb else None
            if ok and speed_goal != "-":
                ok = speed is not None and speed >= float(speed_goal)
            if ok and mem_goal != "-":
                ok = mem is not None and mem >= float(mem_goal)
            if ok and abs_s != "-":
                ok = float(h_s) < float(abs_s)
            if ok and abs_mb != "-":
                ok = h_mb is not None and h_mb < float(abs_mb)
            lines.append("| " + " | ".join([
                name,
                fmt(h_s, 2), fmt(h_mb, 1), fmt(p_s, 2), fmt(p_mb, 1),
                (f"{speed:.1f}×" if speed is not None else "—"),
                (f"{mem:.1f}×" if mem is not None else "—"),
                target, "PASS" if ok else "FAIL",
            ]) + " |")
    print("\n".join(lines))
    return 0


def main(argv) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "gen-items" and len(args) == 2:
        gen_items(int(args[0]), args[1])
        return 0
    if cmd == "hpcflow-output" and len(args) == 2:
        return hpcflow_output(args[0], args[1])
    if cmd == "compare" and len(args) == 2:
        d = same(load(args[0]), load(args[1]))
        if d:
            print(f"outputs differ: {d}", file=sys.stderr)
            return 1
        return 0
    if cmd == "expect-map" and len(args) == 2:
        return expect_map(int(args[0]), args[1])
    if cmd == "table" and len(args) == 1:
        return table(args[0])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
