#!/usr/bin/env python3
"""qc_pipeline.py: the C++ example's pipeline, in Python.

The `score` and `verdict` steps of ../cpp/pipeline.yaml are Python functions
of this program (hpcflow:::function:NAME tasks); the counting step runs as a
job. The state directory keeps every execution's history.

    python3 qc_pipeline.py WORKFLOW STATE_DIR
"""

import json
import sys

import hpcflow


def score(sample, context):
    sequence = sample.get("sequence", "")
    if not sequence:
        raise hpcflow.TaskError("QC.EmptySample", f"sample {sample.get('id')} is empty")
    gc = sum(base in "GC" for base in sequence)
    return {"gc": gc / len(sequence)}


def verdict(request, context):
    passed, failed = [], []
    for s in request["scored"]:
        row = {"id": s["id"], "length": s["count"]["length"]}
        (passed if s["score"]["gc"] >= request["threshold"] else failed).append(row)
    return {"passed": passed, "failed": failed}


def main():
    if len(sys.argv) != 3:
        print("usage: qc_pipeline.py WORKFLOW STATE_DIR", file=sys.stderr)
        return 2
    workflow, state_dir = sys.argv[1:]
    samples = [
        {"id": "s1", "sequence": "GGCCATGC"},
        {"id": "s2", "sequence": "ATATATGC"},
        {"id": "s3", "sequence": "GCGCGCGCAT"},
    ]
    with hpcflow.Engine(state_dir, name="qc-python",
                        functions={"score": score, "verdict": verdict}) as engine:
        run = engine.start(workflow, input={"samples": samples})
        done = engine.wait(run, timeout=600)
        print(f"execution {done.id}: {done.status} after {done.transitions} transitions",
              file=sys.stderr)
        if not done.succeeded:
            print(f"{done.error}: {done.cause}", file=sys.stderr)
            return 1
        # A failing sample goes through Retry/Catch like any task error.
        bad = engine.start(workflow, input={"samples": [{"id": "s4", "sequence": ""}]})
        failed = engine.wait(bad, timeout=600)
        print(f"empty sample: {failed.status} {failed.error}", file=sys.stderr)
        print(json.dumps({"result": done.output, "empty_sample_error": failed.error}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
