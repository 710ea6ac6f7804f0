// Entry point of the supernet-lab native addon: tfjs kernels over oneDNN on JS-owned buffers.
#include <omp.h>

#include "common.h"

namespace snl {

static bool checkStatus(napi_env env, napi_status status) {
  return status == napi_ok;
}

F32 getF32(napi_env env, napi_value v, const char *what) {
  bool isTyped = false;
  napi_is_typedarray(env, v, &isTyped);
  if (!isTyped) throw ArgError(std::string(what) + " must be a Float32Array");
  napi_typedarray_type type;
  size_t length = 0;
  void *data = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (!checkStatus(env, napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset)) ||
      type != napi_float32_array) {
    throw ArgError(std::string(what) + " must be a Float32Array");
  }
  return F32{static_cast<float *>(data), length};
}

F32 getOptionalF32(napi_env env, napi_value v, const char *what) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) return F32{};
  return getF32(env, v, what);
}

I32 getI32(napi_env env, napi_value v, const char *what) {
  bool isTyped = false;
  napi_is_typedarray(env, v, &isTyped);
  if (!isTyped) throw ArgError(std::string(what) + " must be an Int32Array");
  napi_typedarray_type type;
  size_t length = 0;
  void *data = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (!checkStatus(env, napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset)) ||
      type != napi_int32_array) {
    throw ArgError(std::string(what) + " must be an Int32Array");
  }
  return I32{static_cast<int32_t *>(data), length};
}

double getNumber(napi_env env, napi_value v, const char *what) {
  double d = 0;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    throw ArgError(std::string(what) + " must be a number");
  }
  return d;
}

dnnl::engine &cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream &cpuStream() {
  static dnnl::stream stream(cpuEngine());
  return stream;
}

struct FunctionData {
  Body body;
  size_t argc;
  const char *name;
};

static napi_value trampoline(napi_env env, napi_callback_info info) {
  void *raw = nullptr;
  size_t argc = 16;
  napi_value args[16];
  napi_get_cb_info(env, info, &argc, args, nullptr, &raw);
  auto *fd = static_cast<FunctionData *>(raw);
  try {
    if (argc < fd->argc) {
      throw ArgError(std::string(fd->name) + " expects " + std::to_string(fd->argc) +
                     " arguments, got " + std::to_string(argc));
    }
    fd->body(env, args, argc);
  } catch (const dnnl::error &e) {
    napi_throw_error(env, "ERR_ONEDNN",
                     (std::string(fd->name) + ": oneDNN error: " + e.what()).c_str());
  } catch (const std::exception &e) {
    napi_throw_error(env, nullptr, (std::string(fd->name) + ": " + e.what()).c_str());
  }
  return nullptr;
}

void exportFunction(napi_env env, napi_value exports, const char *name, size_t argc, Body body) {
  auto *fd = new FunctionData{body, argc, name};  // lives as long as the module
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, trampoline, fd, &fn);
  napi_set_named_property(env, exports, name, fn);
}

SerialScope::SerialScope(bool serial) {
  int threads = omp_get_max_threads();
  if (!serial || threads == 1) return;
  restore_ = threads;
  omp_set_num_threads(1);
}

SerialScope::~SerialScope() {
  if (restore_ > 0) omp_set_num_threads(restore_);
}

static napi_value threads(napi_env env, napi_callback_info) {
  napi_value v;
  napi_create_int32(env, omp_get_max_threads(), &v);
  return v;
}

static napi_value dnnlVersion(napi_env env, napi_callback_info) {
  const dnnl_version_t *ver = dnnl_version();
  std::string s = std::to_string(ver->major) + "." + std::to_string(ver->minor) + "." +
                  std::to_string(ver->patch);
  napi_value v;
  napi_create_string_utf8(env, s.c_str(), s.size(), &v);
  return v;
}

// addressMod64(a): the address of a's first element modulo 64, so that JS can place its
// buffers on cache-line boundaries.
static napi_value addressMod64(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr);
  try {
    F32 a = getF32(env, arg, "a");
    napi_value v;
    napi_create_int32(env, static_cast<int>(reinterpret_cast<uintptr_t>(a.data) % 64), &v);
    return v;
  } catch (const std::exception &e) {
    napi_throw_error(env, nullptr, (std::string("addressMod64: ") + e.what()).c_str());
    return nullptr;
  }
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "addressMod64", NAPI_AUTO_LENGTH, addressMod64, nullptr, &fn);
  napi_set_named_property(env, exports, "addressMod64", fn);
  napi_create_function(env, "threads", NAPI_AUTO_LENGTH, threads, nullptr, &fn);
  napi_set_named_property(env, exports, "threads", fn);
  napi_create_function(env, "onednnVersion", NAPI_AUTO_LENGTH, dnnlVersion, nullptr, &fn);
  napi_set_named_property(env, exports, "onednnVersion", fn);
  registerConvOps(env, exports);
  registerElementwiseOps(env, exports);
  registerPoolOps(env, exports);
  return exports;
}

}  // namespace snl

NAPI_MODULE(NODE_GYP_MODULE_NAME, snl::init)
