"""hpcflow for Python pipelines.

Run Amazon States Language workflows in this process (``Engine``) or hand
them to a running ``hpcflow server`` (``Client``). Python functions serve
``hpcflow:::function:NAME`` tasks, so a pipeline mixes its own steps with
cluster jobs in one workflow::

    import hpcflow

    def score(sample, context):
        return {"gc": gc_fraction(sample["sequence"])}

    with hpcflow.Engine(state_dir="/scratch/me/flow", functions={"score": score}) as engine:
        run = engine.start("pipeline.yaml", input={"samples": samples})
        result = engine.wait(run, timeout=3600)
        print(result.status, result.output)

Inputs and outputs are Python values (anything ``json`` can encode). A
function raises ``TaskError("Pipeline.BadSample", "why")`` to fail its task
with that ASL error; any other exception fails it with the exception's
class name as the error, as AWS Lambda does. Errors of hpcflow itself are
raised as ``HpcflowError`` with ``.name`` and ``.cause``.
"""

import atexit
import json
import os
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from . import _hpcflow

__all__ = [
    "Engine", "Client", "Execution", "Event", "TaskError", "HpcflowError",
    "__version__",
]

__version__ = _hpcflow.version


class HpcflowError(Exception):
    """An operation of hpcflow failed: ``name`` says what kind of failure
    (``NotFound``, ``Timeout``, ``hpcflow.InvalidDefinition``, ...) and
    ``cause`` says what and where."""

    def __init__(self, name: str, cause: str):
        super().__init__(f"{name}: {cause}")
        self.name = name
        self.cause = cause


_hpcflow._set_error_type(HpcflowError)


class TaskError(Exception):
    """Raised by a function task to fail with this ASL error and cause
    (Retry and Catch match the error name)."""

    def __init__(self, error: str, cause: str = ""):
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


@dataclass(frozen=True)
class Execution:
    """An execution as the state directory knows it."""
    id: str
    name: str
    status: str  # PENDING, RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED
    workflow: str
    backend: str
    express: bool
    input: Any
    output: Any  # the output, once SUCCEEDED; else None
    error: Optional[str]
    cause: Optional[str]
    start_ms: int
    stop_ms: int
    transitions: int
    parent_id: str
    redrive_count: int = 0

    @property
    def done(self) -> bool:
        return self.status not in ("PENDING", "RUNNING")

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"


@dataclass(frozen=True)
class Event:
    """One event of an execution's history."""
    id: int
    type: str
    timestamp_ms: int
    state_name: str
    details: Any


def _loads(text):
    return json.loads(text) if text else None


def _execution(info) -> Execution:
    return Execution(
        id=info.id, name=info.name, status=info.status, workflow=info.workflow,
        backend=info.backend, express=info.express, input=_loads(info.input),
        output=_loads(info.output) if info.output is not None else None,
        error=info.error, cause=info.cause, start_ms=info.start_ms,
        stop_ms=info.stop_ms, transitions=info.transitions,
        parent_id=info.parent_id, redrive_count=info.redrive_count)


def _event(e) -> Event:
    return Event(id=e.id, type=e.type, timestamp_ms=e.timestamp_ms,
                 state_name=e.state_name, details=_loads(e.details))


def _function(fn: Callable[[Any, Any], Any]):
    """A Python function as the bindings call it: JSON text in and out."""
    def call(input_text, context):
        return json.dumps(fn(json.loads(input_text), context), separators=(",", ":"))
    return call


class _Operations:
    """What Engine and Client share."""

    _native: Any

    def start(self, definition_file: Optional[str] = None, *, definition: Any = None,
              input: Any = None, name: str = "", backend: str = "",
              express: bool = False, working_directory: str = "") -> str:
        """Starts an execution and returns its id. ``definition`` may be the
        workflow's text or a dict."""
        if definition is not None and not isinstance(definition, str):
            definition = json.dumps(definition)
        return self._native.start(
            definition_file=os.fspath(definition_file) if definition_file else "",
            definition=definition or "",
            input=json.dumps({} if input is None else input),
            name=name, backend=backend, express=express,
            working_directory=working_directory)

    def describe(self, execution: str) -> Execution:
        return _execution(self._native.describe(execution))

    def wait(self, execution: str, timeout: Optional[float] = None) -> Execution:
        """Blocks until the execution ends; HpcflowError("Timeout") if it
        still runs after ``timeout`` seconds (None: no limit)."""
        return _execution(self._native.wait(execution, 10.0 ** 9 if timeout is None else timeout))

    def stop(self, execution: str, error: str = "", cause: str = "") -> None:
        self._native.stop(execution, error, cause)

    def redrive(self, execution: str) -> None:
        """Continues an execution that FAILED, TIMED_OUT or was ABORTED from
        where it failed (AWS RedriveExecution); HpcflowError
        ("ExecutionNotRedrivable") says why one cannot be."""
        self._native.redrive(execution)

    def history(self, execution: str) -> List[Event]:
        return [_event(e) for e in self._native.history(execution)]

    def list(self, status: str = "", limit: int = 100) -> List[Execution]:
        return [_execution(i) for i in self._native.list(status, limit)]

    def subscribe(self, execution: str, handler: Callable[[Event], None]):
        """Calls ``handler(event)`` for each event committed from now on;
        returns a subscription: ``.cancel()`` it (or use it in ``with``)."""
        return _Subscription(self._native.subscribe(execution, lambda e: handler(_event(e))))

    def send_task_success(self, token: str, output: Any) -> None:
        self._native.send_task_success(token, json.dumps(output))

    def send_task_failure(self, token: str, error: str = "", cause: str = "") -> None:
        self._native.send_task_failure(token, error, cause)

    def send_task_heartbeat(self, token: str) -> None:
        self._native.send_task_heartbeat(token)


class _Subscription:
    def __init__(self, native):
        self._native = native

    def cancel(self):
        self._native.cancel()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cancel()


# Engines still open when Python exits are closed first, while their
# functions' threads can still take the GIL.
_open_engines: "weakref.WeakSet[Engine]" = weakref.WeakSet()


@atexit.register
def _close_open_engines():
    for engine in list(_open_engines):
        engine.close()


class Engine(_Operations):
    """Runs workflows in this process on a state directory (see the C++
    hpcflow::Engine). ``functions`` maps names to ``fn(input, context)``
    callables serving hpcflow:::function:NAME tasks; ``context`` has
    execution_id, state_name, task_token, attempt, item_index and
    cancelled(). Close it (or use ``with``): executions still running stay
    in the state directory and resume when an engine of the same name opens
    it again."""

    def __init__(self, state_dir: str = "", *, name: str = "default",
                 functions: Optional[Dict[str, Callable[[Any, Any], Any]]] = None,
                 default_backend: str = "local", function_threads: int = 2,
                 listen_address: str = "127.0.0.1", listen_port: int = 0,
                 hpcflow_binary: str = ""):
        wrapped = {k: _function(v) for k, v in (functions or {}).items()}
        self._native = _hpcflow.Engine(
            state_dir=os.fspath(state_dir), name=name, default_backend=default_backend,
            function_threads=function_threads, listen_address=listen_address,
            listen_port=listen_port, hpcflow_binary=hpcflow_binary, functions=wrapped)
        _open_engines.add(self)

    @property
    def state_dir(self) -> str:
        return self._native.state_dir

    def register_function(self, name: str, fn: Callable[[Any, Any], Any]) -> None:
        self._native.register_function(name, _function(fn))

    def function(self, name: Optional[str] = None):
        """Decorator: ``@engine.function()`` registers under the function's name."""
        def register(fn):
            self.register_function(name or fn.__name__, fn)
            return fn
        return register

    def start_and_subscribe(self, handler: Callable[[Event], None],
                            definition_file: Optional[str] = None, *, definition: Any = None,
                            input: Any = None, name: str = "", backend: str = "",
                            express: bool = False, working_directory: str = ""):
        """Starts an execution as ``start`` does and calls ``handler(event)``
        for every event from its first (``subscribe`` after ``start`` may
        miss the first events of a fast execution). Returns ``(id,
        subscription)``."""
        if definition is not None and not isinstance(definition, str):
            definition = json.dumps(definition)
        execution_id, native = self._native.start_and_subscribe(
            lambda e: handler(_event(e)),
            definition_file=os.fspath(definition_file) if definition_file else "",
            definition=definition or "",
            input=json.dumps({} if input is None else input),
            name=name, backend=backend, express=express,
            working_directory=working_directory)
        return execution_id, _Subscription(native)

    def close(self) -> None:
        self._native.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Client(_Operations):
    """The same operations against a running ``hpcflow server``, found
    through its state directory (or given ``url`` and ``control_key``)."""

    def __init__(self, state_dir: str = "", *, url: str = "", control_key: str = "",
                 start_server: bool = False, hpcflow_binary: str = "", timeout: float = 10.0):
        self._native = _hpcflow.Client(
            state_dir=os.fspath(state_dir), url=url, control_key=control_key,
            start_server=start_server, hpcflow_binary=hpcflow_binary, timeout=timeout)

    @property
    def url(self) -> str:
        return self._native.url
