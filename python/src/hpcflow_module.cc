// hpcflow._hpcflow: pybind11 bindings of the C++ embedding API
// (include/hpcflow/). Thin on purpose: JSON travels as text here, and the
// Python package (hpcflow/__init__.py) turns it into Python values.
//
// The GIL: every call that may block (open, start, wait, close) releases
// it; callables of Python (functions, event handlers) take it on the
// engine's threads; Python objects held by C++ are released with it held.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "hpcflow/hpcflow.h"

namespace py = pybind11;

namespace {

// An hpcflow::Error raised in Python as hpcflow.HpcflowError(name, cause).
PyObject* g_error_type = nullptr;

[[noreturn]] void Raise(const hpcflow::Error& error) {
  py::object type = py::reinterpret_borrow<py::object>(g_error_type);
  PyErr_SetObject(g_error_type, type(error.name, error.cause).ptr());
  throw py::error_already_set();
}

template <typename T>
T Unwrap(hpcflow::Result<T> result) {
  if (!result) Raise(result.error());
  return std::move(*result);
}
void Unwrap(hpcflow::Status status) {
  if (!status) Raise(status.error());
}

// A Python object that C++ may destroy on any thread: taken with the GIL.
std::shared_ptr<py::object> Hold(py::object object) {
  return std::shared_ptr<py::object>(new py::object(std::move(object)), [](py::object* o) {
    py::gil_scoped_acquire gil;
    delete o;
  });
}

// What a Python function is given besides its input (as Lambda's context).
struct CallContext {
  std::string execution_id, state_name, task_token;
  int attempt = 0;
  int64_t item_index = -1;
  const hpcflow::FunctionCall* call = nullptr;  // valid while the function runs
  bool cancelled() const { return call != nullptr && call->cancelled(); }
};

// A Python callable as a synchronous function task: fn(input_json, context)
// returns JSON text or raises. hpcflow.TaskError(error, cause) is the ASL
// error; any other exception becomes an error named after its class, as on
// AWS Lambda.
hpcflow::Function Wrap(py::object fn) {
  auto held = Hold(std::move(fn));
  return [held](const hpcflow::FunctionCall& call) -> hpcflow::Result<std::string> {
    py::gil_scoped_acquire gil;
    CallContext context{call.execution_id(), call.state_name(), call.task_token(),
                        call.attempt(),      call.item_index(), &call};
    try {
      py::object out = (*held)(call.input(), context);
      return out.cast<std::string>();
    } catch (py::error_already_set& e) {
      std::string name = "Exception";
      std::string cause = e.what();
      py::object value = e.value();
      if (py::hasattr(value, "error") && py::hasattr(value, "cause")) {
        name = py::str(value.attr("error"));
        cause = py::str(value.attr("cause"));
      } else if (e.type()) {
        name = py::str(e.type().attr("__name__"));
        cause = py::str(value);
      }
      return hpcflow::Fail(name, cause);
    } catch (const std::exception& e) {
      return hpcflow::Fail("hpcflow.FunctionException", e.what());
    }
  };
}

hpcflow::EventHandler WrapHandler(py::object fn) {
  auto held = Hold(std::move(fn));
  return [held](const hpcflow::HistoryEvent& event) {
    py::gil_scoped_acquire gil;
    try {
      (*held)(event);
    } catch (py::error_already_set& e) {
      // A handler's bug is reported, not carried into the engine's thread.
      e.restore();
      PyErr_WriteUnraisable(held->ptr());
    }
  };
}

hpcflow::StartRequest MakeRequest(const std::string& definition_file, const std::string& definition,
                                  const std::string& input, const std::string& name,
                                  const std::string& backend, bool express,
                                  const std::string& working_directory) {
  hpcflow::StartRequest r;
  r.definition_file = definition_file;
  r.definition = definition;
  r.input = input;
  r.name = name;
  r.backend = backend;
  r.express = express;
  r.working_directory = working_directory;
  return r;
}

// Runs `f` without the GIL and returns what it returns, with the GIL held
// again (errors are raised in Python only then).
template <typename F>
auto Released(F f) {
  py::gil_scoped_release release;
  return f();
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

// The Engine, closed without the GIL (its threads may be waiting for it).
class PyEngine {
 public:
  explicit PyEngine(std::unique_ptr<hpcflow::Engine> engine) : engine_(std::move(engine)) {}
  ~PyEngine() { Close(); }
  void Close() {
    py::gil_scoped_release release;
    engine_.reset();
  }
  hpcflow::Engine& get() {
    if (!engine_) throw std::runtime_error("the engine is closed");
    return *engine_;
  }

 private:
  std::unique_ptr<hpcflow::Engine> engine_;
};

// A subscription, ended without the GIL (ending waits for a handler call
// in progress, which holds it).
class PySubscription {
 public:
  explicit PySubscription(hpcflow::Subscription sub)
      : sub_(std::make_unique<hpcflow::Subscription>(std::move(sub))) {}
  ~PySubscription() { Cancel(); }
  void Cancel() {
    py::gil_scoped_release release;
    sub_.reset();
  }

 private:
  std::unique_ptr<hpcflow::Subscription> sub_;
};

class PyClient {
 public:
  explicit PyClient(std::unique_ptr<hpcflow::Client> client) : client_(std::move(client)) {}
  hpcflow::Client& get() { return *client_; }

 private:
  std::unique_ptr<hpcflow::Client> client_;
};

// The operations Engine and Client share, bound once for both.
template <typename Py, typename Cls>
void BindOperations(Cls& cls) {
  using hpcflow::ExecutionInfo;
  cls.def(
         "start",
         [](Py& self, const std::string& definition_file, const std::string& definition,
            const std::string& input, const std::string& name, const std::string& backend,
            bool express, const std::string& working_directory) {
           auto request = MakeRequest(definition_file, definition, input, name, backend, express,
                                      working_directory);
           return Unwrap(Released([&] { return self.get().Start(request); }));
         },
         py::arg("definition_file") = "", py::arg("definition") = "", py::arg("input") = "{}",
         py::arg("name") = "", py::arg("backend") = "", py::arg("express") = false,
         py::arg("working_directory") = "")
      .def("describe",
           [](Py& self, const std::string& id) {
             return Unwrap(Released([&] { return self.get().Describe(id); }));
           })
      .def(
          "wait",
          [](Py& self, const std::string& id, double timeout) {
            return Unwrap(Released([&] { return self.get().Wait(id, Millis(timeout)); }));
          },
          py::arg("id"), py::arg("timeout"))
      .def(
          "stop",
          [](Py& self, const std::string& id, const std::string& error, const std::string& cause) {
            Unwrap(Released([&] { return self.get().Stop(id, error, cause); }));
          },
          py::arg("id"), py::arg("error") = "", py::arg("cause") = "")
      .def("redrive",
           [](Py& self, const std::string& id) {
             Unwrap(Released([&] { return self.get().Redrive(id); }));
           })
      .def("history",
           [](Py& self, const std::string& id) {
             return Unwrap(Released([&] { return self.get().History(id); }));
           })
      .def(
          "list",
          [](Py& self, const std::string& status, int limit) {
            return Unwrap(Released([&] {
              return self.get().List(hpcflow::ListRequest{status, limit});
            }));
          },
          py::arg("status") = "", py::arg("limit") = 100)
      .def("subscribe",
           [](Py& self, const std::string& id, py::object handler) {
             auto wrapped = WrapHandler(std::move(handler));
             auto sub = Released([&] { return self.get().Subscribe(id, std::move(wrapped)); });
             return std::make_unique<PySubscription>(Unwrap(std::move(sub)));
           })
      .def("send_task_success",
           [](Py& self, const std::string& token, const std::string& output) {
             Unwrap(Released([&] { return self.get().SendTaskSuccess(token, output); }));
           })
      .def("send_task_failure",
           [](Py& self, const std::string& token, const std::string& error,
              const std::string& cause) {
             Unwrap(Released([&] { return self.get().SendTaskFailure(token, error, cause); }));
           })
      .def("send_task_heartbeat", [](Py& self, const std::string& token) {
        Unwrap(Released([&] { return self.get().SendTaskHeartbeat(token); }));
      });
}

}  // namespace

PYBIND11_MODULE(_hpcflow, m) {
  m.doc() = "bindings of libhpcflow; use the hpcflow package";
  m.attr("version") = HPCFLOW_VERSION_STRING;
  m.def("_set_error_type", [](py::object type) {
    Py_XINCREF(type.ptr());
    g_error_type = type.ptr();
  });

  py::class_<hpcflow::ExecutionInfo>(m, "ExecutionInfo")
      .def_readonly("id", &hpcflow::ExecutionInfo::id)
      .def_readonly("name", &hpcflow::ExecutionInfo::name)
      .def_readonly("workflow", &hpcflow::ExecutionInfo::workflow)
      .def_readonly("status", &hpcflow::ExecutionInfo::status)
      .def_readonly("backend", &hpcflow::ExecutionInfo::backend)
      .def_readonly("express", &hpcflow::ExecutionInfo::express)
      .def_readonly("input", &hpcflow::ExecutionInfo::input)
      .def_readonly("output", &hpcflow::ExecutionInfo::output)
      .def_readonly("error", &hpcflow::ExecutionInfo::error)
      .def_readonly("cause", &hpcflow::ExecutionInfo::cause)
      .def_readonly("start_ms", &hpcflow::ExecutionInfo::start_ms)
      .def_readonly("stop_ms", &hpcflow::ExecutionInfo::stop_ms)
      .def_readonly("transitions", &hpcflow::ExecutionInfo::transitions)
      .def_readonly("parent_id", &hpcflow::ExecutionInfo::parent_id)
      .def_readonly("redrive_count", &hpcflow::ExecutionInfo::redrive_count);

  py::class_<hpcflow::HistoryEvent>(m, "HistoryEvent")
      .def_readonly("id", &hpcflow::HistoryEvent::id)
      .def_readonly("previous_id", &hpcflow::HistoryEvent::previous_id)
      .def_readonly("timestamp_ms", &hpcflow::HistoryEvent::timestamp_ms)
      .def_readonly("type", &hpcflow::HistoryEvent::type)
      .def_readonly("state_name", &hpcflow::HistoryEvent::state_name)
      .def_readonly("details", &hpcflow::HistoryEvent::details);

  py::class_<CallContext>(m, "CallContext")
      .def_readonly("execution_id", &CallContext::execution_id)
      .def_readonly("state_name", &CallContext::state_name)
      .def_readonly("task_token", &CallContext::task_token)
      .def_readonly("attempt", &CallContext::attempt)
      .def_readonly("item_index", &CallContext::item_index)
      .def("cancelled", &CallContext::cancelled);

  py::class_<PySubscription>(m, "Subscription").def("cancel", &PySubscription::Cancel);

  py::class_<PyEngine> engine(m, "Engine");
  engine
      .def(py::init([](const std::string& state_dir, const std::string& name,
                       const std::string& default_backend, int function_threads,
                       const std::string& listen_address, int listen_port,
                       const std::string& hpcflow_binary, py::dict functions) {
             hpcflow::EngineOptions o;
             o.state_dir = state_dir;
             o.name = name;
             o.default_backend = default_backend;
             o.function_threads = function_threads;
             o.listen_address = listen_address;
             o.listen_port = static_cast<uint16_t>(listen_port);
             o.hpcflow_binary = hpcflow_binary;
             for (auto [key, fn] : functions) {
               o.functions[key.cast<std::string>()] = Wrap(py::reinterpret_borrow<py::object>(fn));
             }
             auto opened = Released([&] { return hpcflow::Engine::Open(std::move(o)); });
             return std::make_unique<PyEngine>(Unwrap(std::move(opened)));
           }),
           py::arg("state_dir") = "", py::arg("name") = "default",
           py::arg("default_backend") = "local", py::arg("function_threads") = 2,
           py::arg("listen_address") = "127.0.0.1", py::arg("listen_port") = 0,
           py::arg("hpcflow_binary") = "", py::arg("functions") = py::dict())
      .def("close", &PyEngine::Close)
      .def("register_function",
           [](PyEngine& self, const std::string& name, py::object fn) {
             Unwrap(self.get().RegisterFunction(name, Wrap(std::move(fn))));
           })
      .def(
          "start_and_subscribe",
          [](PyEngine& self, py::object handler, const std::string& definition_file,
             const std::string& definition, const std::string& input, const std::string& name,
             const std::string& backend, bool express, const std::string& working_directory) {
            auto request = MakeRequest(definition_file, definition, input, name, backend, express,
                                       working_directory);
            auto wrapped = WrapHandler(std::move(handler));
            auto started = Unwrap(Released(
                [&] { return self.get().StartAndSubscribe(request, std::move(wrapped)); }));
            return py::make_tuple(started.execution_id, std::make_unique<PySubscription>(
                                                            std::move(started.subscription)));
          },
          py::arg("handler"), py::arg("definition_file") = "", py::arg("definition") = "",
          py::arg("input") = "{}", py::arg("name") = "", py::arg("backend") = "",
          py::arg("express") = false, py::arg("working_directory") = "")
      .def_property_readonly("state_dir", [](PyEngine& self) { return self.get().state_dir(); });
  BindOperations<PyEngine>(engine);

  py::class_<PyClient> client(m, "Client");
  client
      .def(py::init([](const std::string& state_dir, const std::string& url,
                       const std::string& control_key, bool start_server,
                       const std::string& hpcflow_binary, double timeout) {
             hpcflow::ClientOptions o;
             o.state_dir = state_dir;
             o.url = url;
             o.control_key = control_key;
             o.start_server = start_server;
             o.hpcflow_binary = hpcflow_binary;
             o.timeout = Millis(timeout);
             auto connected = Released([&] { return hpcflow::Client::Connect(std::move(o)); });
             return std::make_unique<PyClient>(Unwrap(std::move(connected)));
           }),
           py::arg("state_dir") = "", py::arg("url") = "", py::arg("control_key") = "",
           py::arg("start_server") = false, py::arg("hpcflow_binary") = "",
           py::arg("timeout") = 10.0)
      .def_property_readonly("url", [](PyClient& self) { return self.get().url(); });
  BindOperations<PyClient>(client);
}
