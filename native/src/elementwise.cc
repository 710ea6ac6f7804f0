// Memory-bound kernels as OpenMP loops over channel-last (NHWC) buffers: fused training-mode
// batch norm and its gradient.
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "common.h"

namespace snl {
namespace {

// Per-channel sums over rows, parallel over row blocks; f(row, c) gives the addend.
template <typename F>
void channelSums(size_t rows, size_t C, std::vector<double> &out, F f) {
  int nt = omp_get_max_threads();
  std::vector<double> partial(static_cast<size_t>(nt) * C, 0.0);
#pragma omp parallel num_threads(nt)
  {
    double *acc = partial.data() + static_cast<size_t>(omp_get_thread_num()) * C;
#pragma omp for schedule(static)
    for (long r = 0; r < static_cast<long>(rows); r++) {
      for (size_t c = 0; c < C; c++) acc[c] += f(static_cast<size_t>(r), c);
    }
  }
  out.assign(C, 0.0);
  for (int t = 0; t < nt; t++)
    for (size_t c = 0; c < C; c++) out[c] += partial[static_cast<size_t>(t) * C + c];
}

// batchNormTrain(x, gamma|null, beta|null, y, mean, variance, epsilon)
void batchNormTrain(napi_env env, napi_value *args, size_t) {
  F32 x = getF32(env, args[0], "x");
  F32 gamma = getOptionalF32(env, args[1], "gamma");
  F32 beta = getOptionalF32(env, args[2], "beta");
  F32 y = getF32(env, args[3], "y"), mean = getF32(env, args[4], "mean"),
      var = getF32(env, args[5], "variance");
  double eps = getNumber(env, args[6], "epsilon");
  size_t C = mean.length;
  if (C == 0 || x.length % C != 0) throw ArgError("x size is not a multiple of the channels");
  expectLength(y, x.length, "y");
  expectLength(var, C, "variance");
  if (gamma.data) expectLength(gamma, C, "gamma");
  if (beta.data) expectLength(beta, C, "beta");
  size_t rows = x.length / C;
  const float *xp = x.data;
  std::vector<double> s;
  channelSums(rows, C, s, [&](size_t r, size_t c) { return static_cast<double>(xp[r * C + c]); });
  std::vector<double> mu(C);
  for (size_t c = 0; c < C; c++) mu[c] = s[c] / rows;
  channelSums(rows, C, s, [&](size_t r, size_t c) {
    double d = xp[r * C + c] - mu[c];
    return d * d;
  });
  std::vector<float> scale(C), shift(C);
  for (size_t c = 0; c < C; c++) {
    double v = s[c] / rows;
    mean.data[c] = static_cast<float>(mu[c]);
    var.data[c] = static_cast<float>(v);
    double k = (gamma.data ? gamma.data[c] : 1.0) / std::sqrt(v + eps);
    scale[c] = static_cast<float>(k);
    shift[c] = static_cast<float>((beta.data ? beta.data[c] : 0.0) - mu[c] * k);
  }
  float *yp = y.data;
  const float *sc = scale.data();
  const float *sf = shift.data();
#pragma omp parallel for schedule(static)
  for (long r = 0; r < static_cast<long>(rows); r++) {
    const float *xr = xp + r * C;
    float *yr = yp + r * C;
#pragma omp simd
    for (size_t c = 0; c < C; c++) yr[c] = xr[c] * sc[c] + sf[c];
  }
}

// batchNormGrad(dy, x, mean, variance, gamma|null, dx, dgamma, dbeta, epsilon)
void batchNormGrad(napi_env env, napi_value *args, size_t) {
  F32 dy = getF32(env, args[0], "dy"), x = getF32(env, args[1], "x"),
      mean = getF32(env, args[2], "mean"), var = getF32(env, args[3], "variance");
  F32 gamma = getOptionalF32(env, args[4], "gamma");
  F32 dx = getF32(env, args[5], "dx"), dgamma = getF32(env, args[6], "dgamma"),
      dbeta = getF32(env, args[7], "dbeta");
  double eps = getNumber(env, args[8], "epsilon");
  size_t C = mean.length;
  if (C == 0 || x.length % C != 0) throw ArgError("x size is not a multiple of the channels");
  expectLength(dy, x.length, "dy");
  expectLength(dx, x.length, "dx");
  expectLength(var, C, "variance");
  expectLength(dgamma, C, "dgamma");
  expectLength(dbeta, C, "dbeta");
  if (gamma.data) expectLength(gamma, C, "gamma");
  size_t rows = x.length / C;
  const float *xp = x.data;
  const float *gp = dy.data;
  int nt = omp_get_max_threads();
  std::vector<double> partial(static_cast<size_t>(nt) * 2 * C, 0.0);
#pragma omp parallel num_threads(nt)
  {
    double *sdy = partial.data() + static_cast<size_t>(omp_get_thread_num()) * 2 * C;
    double *sdyx = sdy + C;
#pragma omp for schedule(static)
    for (long r = 0; r < static_cast<long>(rows); r++) {
      const float *xr = xp + r * C;
      const float *gr = gp + r * C;
      for (size_t c = 0; c < C; c++) {
        sdy[c] += gr[c];
        sdyx[c] += static_cast<double>(gr[c]) * xr[c];
      }
    }
  }
  std::vector<float> k1(C), k2(C), k3(C);
  for (size_t c = 0; c < C; c++) {
    double sdy = 0, sdyx = 0;
    for (int t = 0; t < nt; t++) {
      sdy += partial[static_cast<size_t>(t) * 2 * C + c];
      sdyx += partial[static_cast<size_t>(t) * 2 * C + C + c];
    }
    double inv = 1.0 / std::sqrt(static_cast<double>(var.data[c]) + eps);
    double sxhat = (sdyx - mean.data[c] * sdy) * inv;
    dbeta.data[c] = static_cast<float>(sdy);
    dgamma.data[c] = static_cast<float>(sxhat);
    double a = (gamma.data ? gamma.data[c] : 1.0) * inv;
    k1[c] = static_cast<float>(a);
    k2[c] = static_cast<float>(-a * inv * sxhat / rows);
    k3[c] = static_cast<float>((a * inv * sxhat * mean.data[c] - a * sdy) / rows);
  }
  float *dxp = dx.data;
  const float *a1 = k1.data();
  const float *a2 = k2.data();
  const float *a3 = k3.data();
#pragma omp parallel for schedule(static)
  for (long r = 0; r < static_cast<long>(rows); r++) {
    const float *xr = xp + r * C;
    const float *gr = gp + r * C;
    float *dr = dxp + r * C;
#pragma omp simd
    for (size_t c = 0; c < C; c++) dr[c] = a1[c] * gr[c] + a2[c] * xr[c] + a3[c];
  }
}

// Element counts below this run on one thread (OpenMP start-up costs more than it saves).
constexpr long kParallelMin = 1 << 15;

// Operand layouts of binary ops: the full output shape, a scalar, or a vector over the last
// axis (per channel).
enum Layout { kFull = 0, kScalar = 1, kChannel = 2 };
enum BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMax = 4, kMin = 5 };

template <int OP>
inline float apply(float a, float b) {
  if constexpr (OP == kAdd) return a + b;
  if constexpr (OP == kSub) return a - b;
  if constexpr (OP == kMul) return a * b;
  if constexpr (OP == kDiv) return a / b;
  if constexpr (OP == kMax) return (a > b || std::isnan(a)) ? a : b;
  return (a < b || std::isnan(a)) ? a : b;
}

template <int OP>
void binaryLoop(const float *a, int la, const float *b, int lb, float *out, long n, long C) {
  bool par = n >= kParallelMin;
  if (la == kFull && lb == kFull) {
#pragma omp parallel for simd if (par) schedule(static)
    for (long i = 0; i < n; i++) out[i] = apply<OP>(a[i], b[i]);
  } else if (la == kFull && lb == kScalar) {
    float s = b[0];
#pragma omp parallel for simd if (par) schedule(static)
    for (long i = 0; i < n; i++) out[i] = apply<OP>(a[i], s);
  } else if (la == kScalar && lb == kFull) {
    float s = a[0];
#pragma omp parallel for simd if (par) schedule(static)
    for (long i = 0; i < n; i++) out[i] = apply<OP>(s, b[i]);
  } else if (la == kFull && lb == kChannel) {
    long rows = n / C;
#pragma omp parallel for if (par) schedule(static)
    for (long r = 0; r < rows; r++) {
#pragma omp simd
      for (long c = 0; c < C; c++) out[r * C + c] = apply<OP>(a[r * C + c], b[c]);
    }
  } else if (la == kChannel && lb == kFull) {
    long rows = n / C;
#pragma omp parallel for if (par) schedule(static)
    for (long r = 0; r < rows; r++) {
#pragma omp simd
      for (long c = 0; c < C; c++) out[r * C + c] = apply<OP>(a[c], b[r * C + c]);
    }
  } else {
    // Both small (scalar/channel): index each by its layout.
    for (long i = 0; i < n; i++) {
      float x = la == kFull ? a[i] : la == kScalar ? a[0] : a[i % C];
      float y = lb == kFull ? b[i] : lb == kScalar ? b[0] : b[i % C];
      out[i] = apply<OP>(x, y);
    }
  }
}

// binary(op, a, b, out, layoutA, layoutB, channels)
void binary(napi_env env, napi_value *args, size_t) {
  int op = static_cast<int>(getNumber(env, args[0], "op"));
  F32 a = getF32(env, args[1], "a"), b = getF32(env, args[2], "b"), out = getF32(env, args[3], "out");
  int la = static_cast<int>(getNumber(env, args[4], "layoutA"));
  int lb = static_cast<int>(getNumber(env, args[5], "layoutB"));
  long C = static_cast<long>(getNumber(env, args[6], "channels"));
  long n = static_cast<long>(out.length);
  auto check = [&](const F32 &t, int layout, const char *what) {
    size_t want = layout == kFull ? out.length : layout == kScalar ? 1 : static_cast<size_t>(C);
    expectLength(t, want, what);
  };
  check(a, la, "a");
  check(b, lb, "b");
  if ((la == kChannel || lb == kChannel) && (C <= 0 || n % C != 0)) throw ArgError("bad channels");
  switch (op) {
    case kAdd: binaryLoop<kAdd>(a.data, la, b.data, lb, out.data, n, C); break;
    case kSub: binaryLoop<kSub>(a.data, la, b.data, lb, out.data, n, C); break;
    case kMul: binaryLoop<kMul>(a.data, la, b.data, lb, out.data, n, C); break;
    case kDiv: binaryLoop<kDiv>(a.data, la, b.data, lb, out.data, n, C); break;
    case kMax: binaryLoop<kMax>(a.data, la, b.data, lb, out.data, n, C); break;
    case kMin: binaryLoop<kMin>(a.data, la, b.data, lb, out.data, n, C); break;
    default: throw ArgError("unknown binary op");
  }
}

// binaryStrided(op, a, b, out, outShape, stridesA, stridesB): general broadcasting; a stride
// of 0 repeats an operand along that axis.
template <int OP>
void stridedLoop(const float *a, const float *b, float *out, const std::vector<long> &shape,
                 const std::vector<long> &sa, const std::vector<long> &sb) {
  size_t r = shape.size();
  long inner = shape[r - 1];
  long rows = 1;
  for (size_t d = 0; d + 1 < r; d++) rows *= shape[d];
  long ia = sa[r - 1], ib = sb[r - 1];
#pragma omp parallel for if (rows * inner >= kParallelMin) schedule(static)
  for (long row = 0; row < rows; row++) {
    long rem = row, offA = 0, offB = 0;
    for (long d = static_cast<long>(r) - 2; d >= 0; d--) {
      long idx = rem % shape[d];
      rem /= shape[d];
      offA += idx * sa[d];
      offB += idx * sb[d];
    }
    float *o = out + row * inner;
    const float *pa = a + offA;
    const float *pb = b + offB;
    for (long i = 0; i < inner; i++) o[i] = apply<OP>(pa[i * ia], pb[i * ib]);
  }
}

void binaryStrided(napi_env env, napi_value *args, size_t) {
  int op = static_cast<int>(getNumber(env, args[0], "op"));
  F32 a = getF32(env, args[1], "a"), b = getF32(env, args[2], "b"), out = getF32(env, args[3], "out");
  I32 shp = getI32(env, args[4], "shape"), sa = getI32(env, args[5], "stridesA"),
      sb = getI32(env, args[6], "stridesB");
  size_t r = shp.length;
  if (r == 0 || sa.length != r || sb.length != r) throw ArgError("bad broadcast shapes");
  std::vector<long> shape(r), stA(r), stB(r);
  size_t n = 1, maxA = 0, maxB = 0;
  for (size_t d = 0; d < r; d++) {
    shape[d] = shp.data[d];
    stA[d] = sa.data[d];
    stB[d] = sb.data[d];
    n *= static_cast<size_t>(shape[d]);
    maxA += static_cast<size_t>((shape[d] - 1) * stA[d]);
    maxB += static_cast<size_t>((shape[d] - 1) * stB[d]);
  }
  expectLength(out, n, "out");
  if (n == 0) return;
  if (maxA >= a.length || maxB >= b.length) throw ArgError("broadcast strides out of range");
  switch (op) {
    case kAdd: stridedLoop<kAdd>(a.data, b.data, out.data, shape, stA, stB); break;
    case kSub: stridedLoop<kSub>(a.data, b.data, out.data, shape, stA, stB); break;
    case kMul: stridedLoop<kMul>(a.data, b.data, out.data, shape, stA, stB); break;
    case kDiv: stridedLoop<kDiv>(a.data, b.data, out.data, shape, stA, stB); break;
    case kMax: stridedLoop<kMax>(a.data, b.data, out.data, shape, stA, stB); break;
    case kMin: stridedLoop<kMin>(a.data, b.data, out.data, shape, stA, stB); break;
    default: throw ArgError("unknown binary op");
  }
}

// reduce(op, x, out, outer, mid, inner): out[o, i] = op over m of x[o, m, i]
// (op: 0 sum, 1 mean, 2 max, 3 min).
void reduce(napi_env env, napi_value *args, size_t) {
  int op = static_cast<int>(getNumber(env, args[0], "op"));
  F32 x = getF32(env, args[1], "x"), out = getF32(env, args[2], "out");
  long outer = static_cast<long>(getNumber(env, args[3], "outer"));
  long mid = static_cast<long>(getNumber(env, args[4], "mid"));
  long inner = static_cast<long>(getNumber(env, args[5], "inner"));
  expectLength(x, static_cast<size_t>(outer * mid * inner), "x");
  expectLength(out, static_cast<size_t>(outer * inner), "out");
  if (mid == 0) throw ArgError("reduction over an empty axis");
  const float *xp = x.data;
  float *o = out.data;
  bool par = outer * mid * inner >= kParallelMin;
  if (inner == 1) {
#pragma omp parallel for if (par && outer > 1) schedule(static)
    for (long r = 0; r < outer; r++) {
      const float *row = xp + r * mid;
      if (op <= 1) {
        double s = 0;
        for (long m = 0; m < mid; m++) s += row[m];
        o[r] = static_cast<float>(op == 1 ? s / mid : s);
      } else {
        float v = row[0];
        for (long m = 1; m < mid; m++) v = op == 2 ? apply<kMax>(v, row[m]) : apply<kMin>(v, row[m]);
        o[r] = v;
      }
    }
    return;
  }
#pragma omp parallel if (par)
  {
    std::vector<double> acc(static_cast<size_t>(inner));
#pragma omp for schedule(static)
    for (long r = 0; r < outer; r++) {
      const float *block = xp + r * mid * inner;
      float *dst = o + r * inner;
      if (op <= 1) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (long m = 0; m < mid; m++) {
          const float *row = block + m * inner;
          for (long i = 0; i < inner; i++) acc[i] += row[i];
        }
        for (long i = 0; i < inner; i++)
          dst[i] = static_cast<float>(op == 1 ? acc[i] / mid : acc[i]);
      } else {
        for (long i = 0; i < inner; i++) dst[i] = block[i];
        for (long m = 1; m < mid; m++) {
          const float *row = block + m * inner;
          for (long i = 0; i < inner; i++)
            dst[i] = op == 2 ? apply<kMax>(dst[i], row[i]) : apply<kMin>(dst[i], row[i]);
        }
      }
    }
  }
}

// channelAffine(x, scale, shift, out): out[r, c] = x[r, c] * scale[c] + shift[c]
// (inference batch norm with the statistics folded into scale and shift).
void channelAffine(napi_env env, napi_value *args, size_t) {
  F32 x = getF32(env, args[0], "x"), sc = getF32(env, args[1], "scale"),
      sh = getF32(env, args[2], "shift"), out = getF32(env, args[3], "out");
  long C = static_cast<long>(sc.length);
  expectLength(sh, sc.length, "shift");
  expectLength(out, x.length, "out");
  if (C == 0 || x.length % C != 0) throw ArgError("x size is not a multiple of the channels");
  long rows = static_cast<long>(x.length) / C;
  const float *xp = x.data;
  const float *a = sc.data;
  const float *b = sh.data;
  float *o = out.data;
#pragma omp parallel for if (rows * C >= kParallelMin) schedule(static)
  for (long r = 0; r < rows; r++) {
#pragma omp simd
    for (long c = 0; c < C; c++) o[r * C + c] = xp[r * C + c] * a[c] + b[c];
  }
}

enum UnaryOp { kRelu = 0, kStep = 1, kNeg = 2, kSquare = 3 };

// unary(op, x, out, alpha)
void unary(napi_env env, napi_value *args, size_t) {
  int op = static_cast<int>(getNumber(env, args[0], "op"));
  F32 x = getF32(env, args[1], "x"), out = getF32(env, args[2], "out");
  float alpha = static_cast<float>(getNumber(env, args[3], "alpha"));
  expectLength(out, x.length, "out");
  long n = static_cast<long>(x.length);
  bool par = n >= kParallelMin;
  const float *xp = x.data;
  float *o = out.data;
  switch (op) {
    case kRelu:
#pragma omp parallel for simd if (par) schedule(static)
      for (long i = 0; i < n; i++) o[i] = xp[i] > 0 ? xp[i] : (std::isnan(xp[i]) ? xp[i] : 0.0f);
      break;
    case kStep:
#pragma omp parallel for simd if (par) schedule(static)
      for (long i = 0; i < n; i++) o[i] = std::isnan(xp[i]) ? xp[i] : (xp[i] > 0 ? 1.0f : alpha);
      break;
    case kNeg:
#pragma omp parallel for simd if (par) schedule(static)
      for (long i = 0; i < n; i++) o[i] = -xp[i];
      break;
    case kSquare:
#pragma omp parallel for simd if (par) schedule(static)
      for (long i = 0; i < n; i++) o[i] = xp[i] * xp[i];
      break;
    default:
      throw ArgError("unknown unary op");
  }
}

// reluGrad(dy, x, dx): dx = x > 0 ? dy : 0
void reluGrad(napi_env env, napi_value *args, size_t) {
  F32 dy = getF32(env, args[0], "dy"), x = getF32(env, args[1], "x"), dx = getF32(env, args[2], "dx");
  expectLength(x, dy.length, "x");
  expectLength(dx, dy.length, "dx");
  long n = static_cast<long>(dy.length);
  const float *g = dy.data;
  const float *xp = x.data;
  float *o = dx.data;
  // Branch-free so that it vectorises (a branch on the sign of x mispredicts half the time):
  // dy * step(x), with step(NaN) = NaN as in tfjs.
#pragma omp parallel for simd if (n >= kParallelMin) schedule(static)
  for (long i = 0; i < n; i++) {
    float v = xp[i];
    float s = v > 0.0f ? 1.0f : 0.0f;
    s = v != v ? v : s;
    o[i] = g[i] * s;
  }
}

// addN([a, b, ...], out)
void addN(napi_env env, napi_value *args, size_t) {
  uint32_t k = 0;
  napi_get_array_length(env, args[0], &k);
  F32 out = getF32(env, args[1], "out");
  std::vector<const float *> ins;
  for (uint32_t i = 0; i < k; i++) {
    napi_value v;
    napi_get_element(env, args[0], i, &v);
    F32 t = getF32(env, v, "addN input");
    expectLength(t, out.length, "addN input");
    ins.push_back(t.data);
  }
  if (k == 0) throw ArgError("addN needs at least one input");
  long n = static_cast<long>(out.length);
  float *o = out.data;
  const float *const *in = ins.data();
#pragma omp parallel for if (n >= kParallelMin) schedule(static)
  for (long i = 0; i < n; i++) {
    float s = in[0][i];
    for (uint32_t j = 1; j < k; j++) s += in[j][i];
    o[i] = s;
  }
}

// sgdUpdate(v, g, m|null, newV, newM, lr, momentum, weightDecay, nesterov): PyTorch's SGD.
void sgdUpdate(napi_env env, napi_value *args, size_t) {
  F32 v = getF32(env, args[0], "variable"), g = getF32(env, args[1], "gradient");
  F32 m = getOptionalF32(env, args[2], "momentum buffer");
  F32 nv = getF32(env, args[3], "new variable"), nm = getF32(env, args[4], "new momentum buffer");
  float lr = static_cast<float>(getNumber(env, args[5], "lr"));
  float mu = static_cast<float>(getNumber(env, args[6], "momentum"));
  float wd = static_cast<float>(getNumber(env, args[7], "weightDecay"));
  bool nesterov = getNumber(env, args[8], "nesterov") != 0;
  expectLength(g, v.length, "gradient");
  expectLength(nv, v.length, "new variable");
  expectLength(nm, v.length, "new momentum buffer");
  if (m.data) expectLength(m, v.length, "momentum buffer");
  long n = static_cast<long>(v.length);
  const float *vp = v.data;
  const float *gp = g.data;
  const float *mp = m.data;
  float *nvp = nv.data;
  float *nmp = nm.data;
#pragma omp parallel for simd if (n >= kParallelMin) schedule(static)
  for (long i = 0; i < n; i++) {
    float d = gp[i] + wd * vp[i];
    float buf = mp ? mu * mp[i] + d : d;
    nmp[i] = buf;
    float step = nesterov ? d + mu * buf : buf;
    nvp[i] = vp[i] - lr * step;
  }
}

}  // namespace

void registerElementwiseOps(napi_env env, napi_value exports) {
  exportFunction(env, exports, "batchNormTrain", 7, batchNormTrain);
  exportFunction(env, exports, "batchNormGrad", 9, batchNormGrad);
  exportFunction(env, exports, "binary", 7, binary);
  exportFunction(env, exports, "unary", 4, unary);
  exportFunction(env, exports, "binaryStrided", 7, binaryStrided);
  exportFunction(env, exports, "reduce", 6, reduce);
  exportFunction(env, exports, "channelAffine", 4, channelAffine);
  exportFunction(env, exports, "reluGrad", 3, reluGrad);
  exportFunction(env, exports, "addN", 2, addN);
  exportFunction(env, exports, "sgdUpdate", 9, sgdUpdate);
}

}  // namespace snl
