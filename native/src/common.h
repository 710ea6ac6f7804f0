// Shared helpers of the supernet-lab native addon (raw Node-API, no npm dependencies).
#pragma once
#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "dnnl.hpp"

namespace snl {

// A JS Float32Array / Int32Array viewed from C++ (no copy).
struct F32 {
  float *data = nullptr;
  size_t length = 0;
};
struct I32 {
  int32_t *data = nullptr;
  size_t length = 0;
};

// Error raised on bad arguments; turned into a JS exception by the wrappers.
struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

F32 getF32(napi_env env, napi_value v, const char *what);
// A Float32Array or null/undefined (-> data == nullptr).
F32 getOptionalF32(napi_env env, napi_value v, const char *what);
I32 getI32(napi_env env, napi_value v, const char *what);
double getNumber(napi_env env, napi_value v, const char *what);

// The process-wide oneDNN CPU engine and stream.
dnnl::engine &cpuEngine();
dnnl::stream &cpuStream();

// Registers a JS function on `exports`; its C++ body may throw, which becomes a JS Error.
using Body = void (*)(napi_env env, napi_value *args, size_t argc);
void exportFunction(napi_env env, napi_value exports, const char *name, size_t argc, Body body);

// Native ops (conv.cc: oneDNN primitives; elementwise.cc, pool.cc: OpenMP loops).
void registerConvOps(napi_env env, napi_value exports);
void registerElementwiseOps(napi_env env, napi_value exports);
void registerPoolOps(napi_env env, napi_value exports);

inline void expectLength(const F32 &a, size_t n, const char *what) {
  if (a.length != n) {
    throw ArgError(std::string(what) + ": expected " + std::to_string(n) + " elements, got " +
                   std::to_string(a.length));
  }
}

}  // namespace snl
