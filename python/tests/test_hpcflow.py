"""The Python package against the real engine (libhpcflow): run with
``python -m unittest discover -s python/tests`` after installing it."""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import hpcflow

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}


def task(resource, **extra):
    state = {"Type": "Task", "Resource": resource, "End": True}
    state.update(extra)
    return {"StartAt": "T", "States": {"T": state}}


class EngineTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hpcflow-py-")
        self.state = os.path.join(self.dir, "state")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_pass_workflow_round_trip(self):
        with hpcflow.Engine(self.state) as engine:
            run = engine.start(definition=PASS, input={"x": 1}, name="first")
            done = engine.wait(run, timeout=30)
            self.assertTrue(done.succeeded)
            self.assertEqual(done.output, {"ok": True})
            self.assertEqual(done.input, {"x": 1})
            self.assertEqual(engine.describe("first").id, run)
            self.assertEqual([e.type for e in engine.history(run)][0], "ExecutionStarted")
            self.assertEqual([x.id for x in engine.list()], [run])

    def test_python_functions_serve_function_tasks(self):
        seen = {}

        def double(value, context):
            seen["state"] = context.state_name
            return {"y": value["x"] * 2}

        with hpcflow.Engine(self.state, functions={"double": double}) as engine:
            done = engine.wait(engine.start(
                definition=task("hpcflow:::function:double", Parameters={"x.$": "$.v"}),
                input={"v": 21}), timeout=30)
            self.assertEqual(done.output, {"y": 42})
            self.assertEqual(seen["state"], "T")

    def test_task_error_and_exceptions_become_asl_errors(self):
        def picky(value, context):
            raise hpcflow.TaskError("Pipeline.Bad", "no good")

        def buggy(value, context):
            return {}["missing"]

        with hpcflow.Engine(self.state) as engine:
            engine.register_function("picky", picky)

            @engine.function()
            def buggy_fn(value, context):
                return buggy(value, context)

            caught = {"StartAt": "T", "States": {
                "T": {"Type": "Task", "Resource": "hpcflow:::function:picky",
                      "Catch": [{"ErrorEquals": ["Pipeline.Bad"], "Next": "B"}], "End": True},
                "B": {"Type": "Task", "Resource": "hpcflow:::function:buggy_fn", "End": True}}}
            done = engine.wait(engine.start(definition=caught), timeout=30)
            self.assertEqual(done.status, "FAILED")
            self.assertEqual(done.error, "KeyError")
            self.assertIn("missing", done.cause)

    def test_redrive_continues_from_the_failed_step(self):
        state = {"fixed": False, "prepared": 0}

        def prepare(value, context):
            state["prepared"] += 1
            return {"ready": True}

        def analyse(value, context):
            if not state["fixed"]:
                raise hpcflow.TaskError("Pipeline.MissingInput", "reference not found")
            return {"done": True}

        with hpcflow.Engine(self.state, functions={"prepare": prepare,
                                                   "analyse": analyse}) as engine:
            flow = {"StartAt": "P", "States": {
                "P": {"Type": "Task", "Resource": "hpcflow:::function:prepare",
                      "ResultPath": "$.p", "Next": "A"},
                "A": {"Type": "Task", "Resource": "hpcflow:::function:analyse", "End": True}}}
            run = engine.start(definition=flow)
            self.assertEqual(engine.wait(run, timeout=30).status, "FAILED")
            state["fixed"] = True
            engine.redrive(run)
            done = engine.wait(run, timeout=30)
            self.assertEqual((done.status, done.redrive_count), ("SUCCEEDED", 1))
            self.assertEqual(state["prepared"], 1)
            with self.assertRaises(hpcflow.HpcflowError) as refused:
                engine.redrive(run)
            self.assertEqual(refused.exception.name, "ExecutionNotRedrivable")

    def test_unregistered_function_is_refused_with_its_location(self):
        with hpcflow.Engine(self.state) as engine:
            with self.assertRaises(hpcflow.HpcflowError) as raised:
                engine.start(definition=task("hpcflow:::function:nope"))
            self.assertEqual(raised.exception.name, "hpcflow.InvalidDefinition")
            self.assertIn("/States/T/Resource: no function 'nope'", raised.exception.cause)

    def test_token_tasks_and_subscriptions(self):
        tokens = []
        events = []

        def enqueue(value, context):
            tokens.append(context.task_token)
            return None

        with hpcflow.Engine(self.state, functions={"enqueue": enqueue}) as engine:
            run = engine.start(definition=task("hpcflow:::function:enqueue.waitForTaskToken"))
            with engine.subscribe(run, events.append):
                deadline = time.time() + 10
                while not tokens and time.time() < deadline:
                    time.sleep(0.01)
                with self.assertRaises(hpcflow.HpcflowError) as raised:
                    engine.wait(run, timeout=0.1)
                self.assertEqual(raised.exception.name, "Timeout")
                engine.send_task_success(tokens[0], {"from": "python"})
                done = engine.wait(run, timeout=10)
            self.assertEqual(done.output, {"from": "python"})
            self.assertEqual(events[-1].type, "ExecutionSucceeded")

    def test_start_and_subscribe_hears_every_event_from_the_first(self):
        events = []
        with hpcflow.Engine(self.state) as engine:
            run, subscription = engine.start_and_subscribe(events.append, definition=PASS)
            with subscription:
                done = engine.wait(run, timeout=10)
            self.assertTrue(done.succeeded)
            self.assertEqual([e.type for e in events], [e.type for e in engine.history(run)])
            self.assertEqual(events[0].type, "ExecutionStarted")

    def test_functions_run_concurrently_with_the_gil_released_while_waiting(self):
        started = threading.Barrier(2, timeout=10)

        def meet(value, context):
            started.wait()  # both Map items must be in their function at once
            return value

        with hpcflow.Engine(self.state, functions={"meet": meet}) as engine:
            definition = {"StartAt": "M", "States": {"M": {
                "Type": "Map", "End": True,
                "ItemProcessor": {"StartAt": "F", "States": {
                    "F": {"Type": "Task", "Resource": "hpcflow:::function:meet", "End": True}}}}}}
            done = engine.wait(engine.start(definition=definition, input=[1, 2]), timeout=30)
            self.assertEqual(done.output, [1, 2])

    def test_errors_of_hpcflow_itself(self):
        with hpcflow.Engine(self.state) as engine:
            with self.assertRaises(hpcflow.HpcflowError) as raised:
                engine.describe("nope")
            self.assertEqual(raised.exception.name, "NotFound")
            with self.assertRaises(hpcflow.HpcflowError) as raised:
                hpcflow.Engine(self.state)  # the name "default" is open
            self.assertEqual(raised.exception.name, "busy")

    def test_an_engine_left_open_does_not_hang_python_at_exit(self):
        script = (
            "import hpcflow\n"
            "def slow(value, context):\n"
            "    return value\n"
            f"e = hpcflow.Engine({self.state!r}, functions={{'slow': slow}})\n"
            "e.start(definition={'StartAt': 'W', 'States': {'W': {'Type': 'Wait', "
            "'Seconds': 3600, 'End': True}}})\n")
        done = subprocess.run([sys.executable, "-c", script], timeout=60,
                              capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        # What it left running is there for the next engine of that name.
        with hpcflow.Engine(self.state) as engine:
            self.assertEqual([x.status for x in engine.list()], ["RUNNING"])


if __name__ == "__main__":
    unittest.main()
