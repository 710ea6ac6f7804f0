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

// When a kernel is worth a parallel region. Idle OpenMP threads sleep (OMP_WAIT_POLICY=passive,
// see addon.ts), so every parallel region first wakes them: 50-70 us measured on a 2-core VM,
// about what one thread takes for a ReLU over 0.5-1 M floats. Work is counted in such passes
// over one element (one read and one write of a float); the other kernels convert theirs with
// the factors below (serial time per element or per multiply-add, against a ReLU's).
constexpr long kParallelMinWork = 1 << 20;
constexpr long kBatchNormPasses = 8;  // statistics, then normalisation (or the gradient's sums)
constexpr long kMacsPerPass = 8;      // convolution and matmul multiply-adds
inline bool worthParallel(long work) { return work >= kParallelMinWork; }

// Limits OpenMP to the calling thread for the scope's lifetime when `serial` (oneDNN reads the
// thread count when a primitive is created and when it runs; a no-op with one thread anyway).
class SerialScope {
 public:
  explicit SerialScope(bool serial);
  ~SerialScope();
  SerialScope(const SerialScope &) = delete;
  SerialScope &operator=(const SerialScope &) = delete;

 private:
  int restore_ = 0;
};

inline void expectLength(const F32 &a, size_t n, const char *what) {
  if (a.length != n) {
    throw ArgError(std::string(what) + ": expected " + std::to_string(n) + " elements, got " +
                   std::to_string(a.length));
  }
}

}  // namespace snl
