// oneDNN primitives: 2-D convolution (forward, backward data, backward weights) and matmul, on
// NHWC activations and HWIO filters owned by JS. Primitives are cached per shape. (Average
// pooling is pool.cc's loops: faster than oneDNN 2.6's NHWC pooling at every shape measured.)
#include <memory>
#include <unordered_map>

#include "common.h"

namespace snl {

using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

std::string keyOf(const char *op, const int32_t *p, size_t n) {
  std::string k(op);
  for (size_t i = 0; i < n; i++) {
    k += ',';
    k += std::to_string(p[i]);
  }
  return k;
}

// ---------------------------------------------------------------- convolution

struct ConvShape {
  memory::dim N, H, W, C, KH, KW, O, OH, OW, sh, sw, dh, dw, pt, pl, pb, pr;
};

constexpr size_t kConvParams = 15;  // N H W C KH KW O OH OW sh sw dh dw pt pl

ConvShape convShape(const I32 &p) {
  if (p.length < kConvParams) throw ArgError("conv params: expected 15 integers");
  ConvShape s{p.data[0], p.data[1], p.data[2],  p.data[3],  p.data[4],  p.data[5],
              p.data[6], p.data[7], p.data[8],  p.data[9],  p.data[10], p.data[11],
              p.data[12], p.data[13], p.data[14], 0, 0};
  // Right/bottom padding that makes oneDNN's output size formula give exactly OH x OW.
  s.pb = (s.OH - 1) * s.sh + (s.KH - 1) * s.dh + 1 - s.H - s.pt;
  s.pr = (s.OW - 1) * s.sw + (s.KW - 1) * s.dw + 1 - s.W - s.pl;
  return s;
}

// Whether a convolution runs on the calling thread alone (its multiply-adds, the same in all
// three directions; below the threshold, e.g. NB-201's 1x1 convolutions at batch 16, a second
// thread made them up to 3x slower).
bool serialConv(const ConvShape &s) {
  return !worthParallel(s.N * s.OH * s.OW * s.O * s.C * s.KH * s.KW / kMacsPerPass);
}

struct ConvDescs {
  memory::desc src, dst, weiAny, weiUser;
  memory::dims strides, dilates, padL, padR;
};

ConvDescs convDescs(const ConvShape &s) {
  return ConvDescs{memory::desc({s.N, s.C, s.H, s.W}, dt::f32, tag::nhwc),
                   memory::desc({s.N, s.O, s.OH, s.OW}, dt::f32, tag::nhwc),
                   memory::desc({s.O, s.C, s.KH, s.KW}, dt::f32, tag::any),
                   memory::desc({s.O, s.C, s.KH, s.KW}, dt::f32, tag::hwio),
                   {s.sh, s.sw},
                   {s.dh - 1, s.dw - 1},
                   {s.pt, s.pl},
                   {s.pb, s.pr}};
}

dnnl::convolution_forward::primitive_desc convForwardPd(const ConvDescs &d) {
  dnnl::convolution_forward::desc desc(prop_kind::forward_training, algorithm::convolution_direct,
                                       d.src, d.weiAny, d.dst, d.strides, d.dilates, d.padL,
                                       d.padR);
  return dnnl::convolution_forward::primitive_desc(desc, cpuEngine());
}

// Weights in oneDNN's preferred layout, reordered from/to the user's HWIO buffer (on one thread
// when small: every NB-201 filter; with two threads each reorder took 4x longer).
struct WeightsPort {
  memory user;
  memory prim;
  bool reorder = false;
  bool serial = true;
  dnnl::reorder toPrim, toUser;

  void init(const memory::desc &userDesc, const memory::desc &primDesc, bool forward) {
    user = memory(userDesc, cpuEngine(), nullptr);
    reorder = primDesc != userDesc;
    serial = !worthParallel(static_cast<long>(userDesc.get_size() / sizeof(float)));
    if (reorder) {
      prim = memory(primDesc, cpuEngine());
      if (forward) toPrim = dnnl::reorder(user, prim);
      else toUser = dnnl::reorder(prim, user);
    } else {
      prim = user;
    }
  }

  void toPrimitive(dnnl::stream &st) {
    if (!reorder) return;
    SerialScope scope(serial);
    toPrim.execute(st, user, prim);
  }

  void toUserBuffer(dnnl::stream &st) {
    if (!reorder) return;
    SerialScope scope(serial);
    toUser.execute(st, prim, user);
  }
};

struct ConvFwd {
  dnnl::convolution_forward prim;
  memory src, dst;
  WeightsPort wei;
};

struct ConvBwdData {
  dnnl::convolution_backward_data prim;
  memory diffSrc, diffDst;
  WeightsPort wei;
};

struct ConvBwdWeights {
  dnnl::convolution_backward_weights prim;
  memory src, diffDst;
  WeightsPort diffWei;
};

template <typename T>
T &cached(std::unordered_map<std::string, std::unique_ptr<T>> &cache, const std::string &key,
          bool &fresh) {
  auto it = cache.find(key);
  fresh = it == cache.end();
  if (fresh) it = cache.emplace(key, std::make_unique<T>()).first;
  return *it->second;
}

std::unordered_map<std::string, std::unique_ptr<ConvFwd>> convFwdCache;
std::unordered_map<std::string, std::unique_ptr<ConvBwdData>> convBwdDataCache;
std::unordered_map<std::string, std::unique_ptr<ConvBwdWeights>> convBwdWeightsCache;

// conv2d(x, w, y, params)
void conv2d(napi_env env, napi_value *args, size_t) {
  F32 x = getF32(env, args[0], "x"), w = getF32(env, args[1], "filter"),
      y = getF32(env, args[2], "output");
  I32 p = getI32(env, args[3], "params");
  ConvShape s = convShape(p);
  expectLength(x, s.N * s.H * s.W * s.C, "x");
  expectLength(w, s.KH * s.KW * s.C * s.O, "filter");
  expectLength(y, s.N * s.OH * s.OW * s.O, "output");
  bool fresh;
  SerialScope scope(serialConv(s));  // creation and execution alike
  ConvFwd &c = cached(convFwdCache, keyOf("f", p.data, kConvParams), fresh);
  if (fresh) {
    ConvDescs d = convDescs(s);
    auto pd = convForwardPd(d);
    c.prim = dnnl::convolution_forward(pd);
    c.src = memory(d.src, cpuEngine(), nullptr);
    c.dst = memory(d.dst, cpuEngine(), nullptr);
    c.wei.init(d.weiUser, pd.weights_desc(), true);
  }
  auto &st = cpuStream();
  c.src.set_data_handle(x.data);
  c.dst.set_data_handle(y.data);
  c.wei.user.set_data_handle(w.data);
  c.wei.toPrimitive(st);
  c.prim.execute(st, {{DNNL_ARG_SRC, c.src}, {DNNL_ARG_WEIGHTS, c.wei.prim}, {DNNL_ARG_DST, c.dst}});
  st.wait();
}

// conv2dBackwardData(dy, w, dx, params)
void conv2dBackwardData(napi_env env, napi_value *args, size_t) {
  F32 dy = getF32(env, args[0], "dy"), w = getF32(env, args[1], "filter"),
      dx = getF32(env, args[2], "dx");
  I32 p = getI32(env, args[3], "params");
  ConvShape s = convShape(p);
  expectLength(dx, s.N * s.H * s.W * s.C, "dx");
  expectLength(w, s.KH * s.KW * s.C * s.O, "filter");
  expectLength(dy, s.N * s.OH * s.OW * s.O, "dy");
  bool fresh;
  SerialScope scope(serialConv(s));  // creation and execution alike
  ConvBwdData &c = cached(convBwdDataCache, keyOf("d", p.data, kConvParams), fresh);
  if (fresh) {
    ConvDescs d = convDescs(s);
    auto hint = convForwardPd(d);
    dnnl::convolution_backward_data::desc desc(algorithm::convolution_direct, d.src, d.weiAny,
                                               d.dst, d.strides, d.dilates, d.padL, d.padR);
    dnnl::convolution_backward_data::primitive_desc pd(desc, cpuEngine(), hint);
    c.prim = dnnl::convolution_backward_data(pd);
    c.diffSrc = memory(d.src, cpuEngine(), nullptr);
    c.diffDst = memory(d.dst, cpuEngine(), nullptr);
    c.wei.init(d.weiUser, pd.weights_desc(), true);
  }
  auto &st = cpuStream();
  c.diffSrc.set_data_handle(dx.data);
  c.diffDst.set_data_handle(dy.data);
  c.wei.user.set_data_handle(w.data);
  c.wei.toPrimitive(st);
  c.prim.execute(st, {{DNNL_ARG_DIFF_SRC, c.diffSrc},
                      {DNNL_ARG_WEIGHTS, c.wei.prim},
                      {DNNL_ARG_DIFF_DST, c.diffDst}});
  st.wait();
}

// conv2dBackwardWeights(x, dy, dw, params)
void conv2dBackwardWeights(napi_env env, napi_value *args, size_t) {
  F32 x = getF32(env, args[0], "x"), dy = getF32(env, args[1], "dy"),
      dw = getF32(env, args[2], "dw");
  I32 p = getI32(env, args[3], "params");
  ConvShape s = convShape(p);
  expectLength(x, s.N * s.H * s.W * s.C, "x");
  expectLength(dw, s.KH * s.KW * s.C * s.O, "dw");
  expectLength(dy, s.N * s.OH * s.OW * s.O, "dy");
  bool fresh;
  SerialScope scope(serialConv(s));  // creation and execution alike
  ConvBwdWeights &c = cached(convBwdWeightsCache, keyOf("w", p.data, kConvParams), fresh);
  if (fresh) {
    ConvDescs d = convDescs(s);
    auto hint = convForwardPd(d);
    dnnl::convolution_backward_weights::desc desc(algorithm::convolution_direct, d.src, d.weiAny,
                                                  d.dst, d.strides, d.dilates, d.padL, d.padR);
    dnnl::convolution_backward_weights::primitive_desc pd(desc, cpuEngine(), hint);
    c.prim = dnnl::convolution_backward_weights(pd);
    c.src = memory(d.src, cpuEngine(), nullptr);
    c.diffDst = memory(d.dst, cpuEngine(), nullptr);
    c.diffWei.init(d.weiUser, pd.diff_weights_desc(), false);
  }
  auto &st = cpuStream();
  c.src.set_data_handle(x.data);
  c.diffDst.set_data_handle(dy.data);
  c.diffWei.user.set_data_handle(dw.data);
  c.prim.execute(st, {{DNNL_ARG_SRC, c.src},
                      {DNNL_ARG_DIFF_DST, c.diffDst},
                      {DNNL_ARG_DIFF_WEIGHTS, c.diffWei.prim}});
  c.diffWei.toUserBuffer(st);
  st.wait();
}

// ---------------------------------------------------------------- matmul

// params: B M K N transA transB batchA batchB (batchA/B = 1 broadcasts over B)
constexpr size_t kMatmulParams = 8;
struct Matmul {
  dnnl::matmul prim;
  memory a, b, c;
};
std::unordered_map<std::string, std::unique_ptr<Matmul>> matmulCache;

void matmul(napi_env env, napi_value *args, size_t) {
  F32 a = getF32(env, args[0], "a"), b = getF32(env, args[1], "b"), out = getF32(env, args[2], "c");
  I32 p = getI32(env, args[3], "params");
  if (p.length < kMatmulParams) throw ArgError("matmul params: expected 8 integers");
  const int32_t *q = p.data;
  memory::dim B = q[0], M = q[1], K = q[2], N = q[3], bA = q[6], bB = q[7];
  bool tA = q[4] != 0, tB = q[5] != 0;
  expectLength(a, bA * M * K, "a");
  expectLength(b, bB * K * N, "b");
  expectLength(out, B * M * N, "c");
  bool fresh;
  SerialScope scope(!worthParallel(B * M * K * N / kMacsPerPass));
  Matmul &c = cached(matmulCache, keyOf("mm", q, kMatmulParams), fresh);
  if (fresh) {
    memory::desc aDesc({bA, M, K}, dt::f32,
                       tA ? memory::dims{M * K, 1, M} : memory::dims{M * K, K, 1});
    memory::desc bDesc({bB, K, N}, dt::f32,
                       tB ? memory::dims{K * N, 1, K} : memory::dims{K * N, N, 1});
    memory::desc cDesc({B, M, N}, dt::f32, memory::dims{M * N, N, 1});
    dnnl::matmul::desc desc(aDesc, bDesc, cDesc);
    c.prim = dnnl::matmul(dnnl::matmul::primitive_desc(desc, cpuEngine()));
    c.a = memory(aDesc, cpuEngine(), nullptr);
    c.b = memory(bDesc, cpuEngine(), nullptr);
    c.c = memory(cDesc, cpuEngine(), nullptr);
  }
  auto &st = cpuStream();
  c.a.set_data_handle(a.data);
  c.b.set_data_handle(b.data);
  c.c.set_data_handle(out.data);
  c.prim.execute(st, {{DNNL_ARG_SRC, c.a}, {DNNL_ARG_WEIGHTS, c.b}, {DNNL_ARG_DST, c.c}});
  st.wait();
}

}  // namespace

void registerConvOps(napi_env env, napi_value exports) {
  exportFunction(env, exports, "conv2d", 4, conv2d);
  exportFunction(env, exports, "conv2dBackwardData", 4, conv2dBackwardData);
  exportFunction(env, exports, "conv2dBackwardWeights", 4, conv2dBackwardWeights);
  exportFunction(env, exports, "matmul", 4, matmul);
}

}  // namespace snl
