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


def num(v):
    return None if v in ("", "-", None) else float(v)


def fmt(v, digits, suffix=""):
    return "—" if v is None else f"{v:.{digits}f}{suffix}"


def verdict(secs, mb, peer_secs, peer_mb, speed_goal, mem_goal, abs_s, abs_mb):
    """PASS/FAIL of one set of figures (wall or CPU seconds) against the target."""
    if secs is None:
        return "FAIL", None
    if peer_secs is None and (speed_goal is not None or mem_goal is not None):
        return "no peer", None
    speed = None
    if peer_secs is not None:
        # /usr/bin/time has 10 ms resolution: never divide by zero.
        speed = peer_secs / max(secs, 0.01)
    ok = True
    if speed_goal is not None:
        ok = ok and speed is not None and speed >= speed_goal
    if mem_goal is not None:
        ok = ok and mb and peer_mb is not None and peer_mb / mb >= mem_goal
    if abs_s is not None:
        ok = ok and secs < abs_s
    if abs_mb is not None:
        ok = ok and mb is not None and mb < abs_mb
    return ("PASS" if ok else "FAIL"), speed


def table(rows_path: str) -> int:
    # Columns of ROWS.tsv: title target h_s h_cpu h_kb p_s p_cpu p_kb
    #                      speed_goal mem_goal abs_s abs_mb
    lines = [
        "| Workload | hpcflow s (CPU s) | hpcflow MB | peer s (CPU s) | peer MB "
        "| speed × wall (CPU) | memory × | target | wall | CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    with open(rows_path, encoding="utf-8") as f:
        for raw in f:
            raw = raw.rstrip("\n")
            if not raw:
                continue
            cols = raw.split("\t")
            title, target = cols[0], cols[1]
            h_s, h_cpu, h_kb, p_s, p_cpu, p_kb = (num(c) for c in cols[2:8])
            speed_goal, mem_goal, abs_s, abs_mb = (num(c) for c in cols[8:12])
            h_mb = h_kb / 1024 if h_kb is not None else None
            p_mb = p_kb / 1024 if p_kb is not None else None
            wall_verdict, speed = verdict(h_s, h_mb, p_s, p_mb,
                                          speed_goal, mem_goal, abs_s, abs_mb)
            cpu_verdict, cpu_speed = verdict(h_cpu, h_mb, p_cpu, p_mb,
                                             speed_goal, mem_goal, abs_s, abs_mb)
            mem = p_mb / h_mb if (p_mb is not None and h_mb) else None
            speeds = "—" if speed is None else f"{speed:.1f}× ({fmt(cpu_speed, 1, '×')})"
            lines.append("| " + " | ".join([
                title,
                f"{fmt(h_s, 2)} ({fmt(h_cpu, 2)})", fmt(h_mb, 1),
                "—" if p_s is None else f"{fmt(p_s, 2)} ({fmt(p_cpu, 2)})", fmt(p_mb, 1),
                speeds, fmt(mem, 1, "×"), target, wall_verdict, cpu_verdict,
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
