// Memory-bound kernels as OpenMP loops over channel-last (NHWC) buffers: fused training-mode
// batch norm and its gradient.
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "common.h"

namespace snl {
namespace {

// The hot loops are leaf functions compiled three times (AVX-512, AVX2+FMA, baseline SSE2) and
// picked at load time by the CPU (GCC target_clones / ifunc): the addon is built without -march
// flags, so without this every loop ran with 4-wide SSE2 vectors on CPUs with 16-wide AVX-512.
// With FMA the clones may round a*b+c once instead of twice (within the kernels' tolerances).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SNL_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SNL_CLONES
#endif

// Rows [r0, r1) of the split of `rows` into `parts` contiguous ranges, part t.
inline void rowRange(long rows, int parts, int t, long &r0, long &r1) {
  long q = rows / parts, rem = rows % parts;
  r0 = t * q + std::min<long>(t, rem);
  r1 = r0 + q + (t < rem ? 1 : 0);
}

// Runs f(i0, i1) over contiguous ranges covering [0, n): one range per OpenMP thread when `par`
// (static split, as `omp for schedule(static)`), else f(0, n) on the calling thread with no
// parallel region at all (the fast path for small tensors).
template <typename F>
void forRanges(long n, bool par, F &&f) {
  if (!par || n < 2 || omp_get_max_threads() == 1) {
    if (n > 0) f(0L, n);
    return;
  }
#pragma omp parallel
  {
    long i0, i1;
    rowRange(n, omp_get_num_threads(), omp_get_thread_num(), i0, i1);
    if (i1 > i0) f(i0, i1);
  }
}

// Batch-norm statistics and reductions walk the (rows x C) matrix in blocks of rows small enough
// to stay in L1 (about 16 KiB), accumulate each block in float with vectorised loops over the
// channels, and merge the blocks in double: one pass over memory where a pass per statistic
// with a double per element was needed before.
inline long blockRows(size_t C) {
  long b = static_cast<long>(4096 / (C ? C : 1));
  return b < 16 ? 16 : b > 128 ? 128 : b;
}

// Per-channel count, mean and sum of squared deviations (M2) of a run of rows, merged with
// Chan et al.'s pairwise formula (exact in exact arithmetic, stable in floating point).
struct Moments {
  double n = 0;
  std::vector<double> mean, m2;
  explicit Moments(size_t C) : mean(C, 0.0), m2(C, 0.0) {}
  void merge(double nb, const double *bm, const double *bm2, size_t C) {
    if (nb == 0) return;
    double nn = n + nb;
    double fb = nb / nn, cross = n * nb / nn;
    for (size_t c = 0; c < C; c++) {
      double d = bm[c] - mean[c];
      mean[c] += d * fb;
      m2[c] += bm2[c] + d * d * cross;
    }
    n = nn;
  }
};

// Few channels make short inner loops (C = 8 is half an AVX-512 vector): the per-channel loops
// below treat k consecutive rows as one row of W = k * C floats (W >= 32), with the per-channel
// parameters repeated k times, and fold the k copies of each sum at the end.
inline size_t groupRows(size_t C) { return C >= 32 ? 1 : (32 + C - 1) / C; }

// p (C values) repeated to fill W lanes (W a multiple of C).
inline void repeatChannels(const float *p, size_t C, size_t W, float *out) {
  for (size_t j = 0; j < W; j++) out[j] = p[j % C];
}

// Float statistics of rows [b0, b1) (one block, in L1): s = block mean (a shift close to the
// true mean), s1 = sum of (x - s), s2 = sum of (x - s)^2. acc: 3 * W floats of scratch.
SNL_CLONES void blockStats(const float *x, size_t C, long b0, long b1, float *s, float *s1,
                           float *s2, float *acc) {
  const size_t k = groupRows(C), W = k * C;
  const long nb = b1 - b0, groups = nb / static_cast<long>(k);
  const long rest = b0 + groups * static_cast<long>(k);
  float *a0 = acc, *a1 = acc + W, *a2 = acc + 2 * W;
  for (size_t j = 0; j < W; j++) a0[j] = a1[j] = a2[j] = 0.0f;
  const float *xb = x + b0 * C;
  for (long g = 0; g < groups; g++) {
    const float *xr = xb + g * W;
#pragma omp simd
    for (size_t j = 0; j < W; j++) a0[j] += xr[j];
  }
  for (long r = rest; r < b1; r++) {
    const float *xr = x + r * C;
#pragma omp simd
    for (size_t c = 0; c < C; c++) a0[c] += xr[c];
  }
  float inv = 1.0f / static_cast<float>(nb);
  for (size_t c = 0; c < C; c++) {
    float t = 0.0f;
    for (size_t q = 0; q < k; q++) t += a0[q * C + c];
    s[c] = t * inv;
  }
  repeatChannels(s, C, W, a0);  // a0 now holds the shift, repeated
  for (long g = 0; g < groups; g++) {
    const float *xr = xb + g * W;
#pragma omp simd
    for (size_t j = 0; j < W; j++) {
      float d = xr[j] - a0[j];
      a1[j] += d;
      a2[j] += d * d;
    }
  }
  for (long r = rest; r < b1; r++) {
    const float *xr = x + r * C;
#pragma omp simd
    for (size_t c = 0; c < C; c++) {
      float d = xr[c] - a0[c];
      a1[c] += d;
      a2[c] += d * d;
    }
  }
  for (size_t c = 0; c < C; c++) {
    float t1 = 0.0f, t2 = 0.0f;
    for (size_t q = 0; q < k; q++) {
      t1 += a1[q * C + c];
      t2 += a2[q * C + c];
    }
    s1[c] = t1;
    s2[c] = t2;
  }
}

// Moments of rows [r0, r1) of x (row-major, C channels), block by block.
void momentsOfRows(const float *x, size_t C, long r0, long r1, Moments &acc) {
  long B = blockRows(C);
  std::vector<float> s(C), s1(C), s2(C), scratch(3 * groupRows(C) * C);
  std::vector<double> bm(C), bm2(C);
  for (long b0 = r0; b0 < r1; b0 += B) {
    long b1 = std::min(b0 + B, r1);
    long nb = b1 - b0;
    blockStats(x, C, b0, b1, s.data(), s1.data(), s2.data(), scratch.data());
    for (size_t c = 0; c < C; c++) {
      double d1 = s1[c];
      bm[c] = s[c] + d1 / nb;
      bm2[c] = std::max(0.0, s2[c] - d1 * d1 / nb);
    }
    acc.merge(static_cast<double>(nb), bm.data(), bm2.data(), C);
  }
}

// y[r, c] = (x[r, c] - mean[c]) * scale[c] + shift[c] for rows [r0, r1) (mean null: 0).
// Centred first, so that data far from 0 with a small variance keeps its precision
// (x * scale and the shift would cancel).
SNL_CLONES void normalizeRows(const float *x, const float *mean, const float *sc, const float *sf,
                              float *y, size_t C, long r0, long r1) {
  const size_t k = groupRows(C), W = k * C;
  std::vector<float> pv(3 * W);
  float *m = pv.data(), *a = m + W, *b = a + W;
  if (mean) repeatChannels(mean, C, W, m);
  else std::fill(m, m + W, 0.0f);
  repeatChannels(sc, C, W, a);
  repeatChannels(sf, C, W, b);
  const long groups = (r1 - r0) / static_cast<long>(k);
  const float *xg = x + r0 * C;
  float *yg = y + r0 * C;
  for (long g = 0; g < groups; g++) {
    const float *xr = xg + g * W;
    float *yr = yg + g * W;
#pragma omp simd
    for (size_t j = 0; j < W; j++) yr[j] = (xr[j] - m[j]) * a[j] + b[j];
  }
  for (long r = r0 + groups * static_cast<long>(k); r < r1; r++) {
    const float *xr = x + r * C;
    float *yr = y + r * C;
#pragma omp simd
    for (size_t c = 0; c < C; c++) yr[c] = (xr[c] - m[c]) * a[c] + b[c];
  }
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
  long rows = static_cast<long>(x.length / C);
  const float *xp = x.data;
  bool par = worthParallel(static_cast<long>(x.length) * kBatchNormPasses);
  int nt = par ? omp_get_max_threads() : 1;
  if (nt > rows) nt = rows > 0 ? static_cast<int>(rows) : 1;
  std::vector<Moments> parts(static_cast<size_t>(nt), Moments(C));
  if (nt > 1) {
#pragma omp parallel num_threads(nt)
    {
      int t = omp_get_thread_num();
      long r0, r1;
      rowRange(rows, omp_get_num_threads(), t, r0, r1);
      if (t < nt) momentsOfRows(xp, C, r0, r1, parts[static_cast<size_t>(t)]);
    }
  } else {
    momentsOfRows(xp, C, 0, rows, parts[0]);
  }
  Moments &all = parts[0];
  for (int t = 1; t < nt; t++) {
    Moments &p = parts[static_cast<size_t>(t)];
    all.merge(p.n, p.mean.data(), p.m2.data(), C);
  }
  std::vector<float> scale(C), shift(C);
  for (size_t c = 0; c < C; c++) {
    double mu = all.mean[c];
    double v = rows > 0 ? all.m2[c] / rows : 0.0;
    mean.data[c] = static_cast<float>(mu);
    var.data[c] = static_cast<float>(v);
    scale[c] = static_cast<float>((gamma.data ? gamma.data[c] : 1.0) / std::sqrt(v + eps));
    shift[c] = beta.data ? beta.data[c] : 0.0f;
  }
  const float *mp = mean.data;
  const float *sc = scale.data();
  const float *sf = shift.data();
  float *yp = y.data;
  forRanges(rows, par, [&](long r0, long r1) { normalizeRows(xp, mp, sc, sf, yp, C, r0, r1); });
}

// Float sums of dy and of dy * (x - mean) over rows [b0, b1) (one block). acc: 3 * W floats.
SNL_CLONES void blockGradSums(const float *dy, const float *x, const float *mean, size_t C, long b0,
                              long b1, float *a, float *b, float *acc) {
  const size_t k = groupRows(C), W = k * C;
  const long groups = (b1 - b0) / static_cast<long>(k);
  float *m = acc, *sa = acc + W, *sb = acc + 2 * W;
  repeatChannels(mean, C, W, m);
  for (size_t j = 0; j < W; j++) sa[j] = sb[j] = 0.0f;
  const float *xg = x + b0 * C;
  const float *gg = dy + b0 * C;
  for (long g = 0; g < groups; g++) {
    const float *xr = xg + g * W;
    const float *gr = gg + g * W;
#pragma omp simd
    for (size_t j = 0; j < W; j++) {
      sa[j] += gr[j];
      sb[j] += gr[j] * (xr[j] - m[j]);
    }
  }
  for (long r = b0 + groups * static_cast<long>(k); r < b1; r++) {
    const float *xr = x + r * C;
    const float *gr = dy + r * C;
#pragma omp simd
    for (size_t c = 0; c < C; c++) {
      sa[c] += gr[c];
      sb[c] += gr[c] * (xr[c] - m[c]);
    }
  }
  for (size_t c = 0; c < C; c++) {
    float ta = 0.0f, tb = 0.0f;
    for (size_t q = 0; q < k; q++) {
      ta += sa[q * C + c];
      tb += sb[q * C + c];
    }
    a[c] = ta;
    b[c] = tb;
  }
}

// Sums of dy and of dy * (x - mean) over rows [r0, r1), block by block (float inside a block,
// double across blocks).
void gradSumsOfRows(const float *dy, const float *x, const float *mean, size_t C, long r0, long r1,
                    double *sdy, double *sdyx) {
  long B = blockRows(C);
  std::vector<float> a(C), b(C), acc(3 * groupRows(C) * C);
  for (long b0 = r0; b0 < r1; b0 += B) {
    long b1 = std::min(b0 + B, r1);
    blockGradSums(dy, x, mean, C, b0, b1, a.data(), b.data(), acc.data());
    for (size_t c = 0; c < C; c++) {
      sdy[c] += a[c];
      sdyx[c] += b[c];
    }
  }
}

// dx[r, c] = k1[c] * dy[r, c] + k2[c] * (x[r, c] - mean[c]) + k3[c] for rows [r0, r1).
SNL_CLONES void gradDxRows(const float *dy, const float *x, const float *mean, const float *k1,
                           const float *k2, const float *k3, float *dx, size_t C, long r0,
                           long r1) {
  const size_t k = groupRows(C), W = k * C;
  std::vector<float> pv(4 * W);
  float *m = pv.data(), *p1 = m + W, *p2 = p1 + W, *p3 = p2 + W;
  repeatChannels(mean, C, W, m);
  repeatChannels(k1, C, W, p1);
  repeatChannels(k2, C, W, p2);
  repeatChannels(k3, C, W, p3);
  const long groups = (r1 - r0) / static_cast<long>(k);
  for (long g = 0; g < groups; g++) {
    long off = r0 * static_cast<long>(C) + g * static_cast<long>(W);
    const float *xr = x + off;
    const float *gr = dy + off;
    float *dr = dx + off;
#pragma omp simd
    for (size_t j = 0; j < W; j++) dr[j] = p1[j] * gr[j] + p2[j] * (xr[j] - m[j]) + p3[j];
  }
  for (long r = r0 + groups * static_cast<long>(k); r < r1; r++) {
    const float *xr = x + r * C;
    const float *gr = dy + r * C;
    float *dr = dx + r * C;
#pragma omp simd
    for (size_t c = 0; c < C; c++) dr[c] = p1[c] * gr[c] + p2[c] * (xr[c] - m[c]) + p3[c];
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
  long rows = static_cast<long>(x.length / C);
  const float *xp = x.data;
  const float *gp = dy.data;
  const float *mp = mean.data;
  bool par = worthParallel(static_cast<long>(x.length) * kBatchNormPasses);
  int nt = par ? omp_get_max_threads() : 1;
  if (nt > rows) nt = rows > 0 ? static_cast<int>(rows) : 1;
  std::vector<double> partial(static_cast<size_t>(nt) * 2 * C, 0.0);
  if (nt > 1) {
#pragma omp parallel num_threads(nt)
    {
      int t = omp_get_thread_num();
      long r0, r1;
      rowRange(rows, omp_get_num_threads(), t, r0, r1);
      double *sdy = partial.data() + static_cast<size_t>(t) * 2 * C;
      if (t < nt) gradSumsOfRows(gp, xp, mp, C, r0, r1, sdy, sdy + C);
    }
  } else {
    gradSumsOfRows(gp, xp, mp, C, 0, rows, partial.data(), partial.data() + C);
  }
  std::vector<float> k1(C), k2(C), k3(C);
  for (size_t c = 0; c < C; c++) {
    double sdy = 0, sdyx = 0;
    for (int t = 0; t < nt; t++) {
      sdy += partial[static_cast<size_t>(t) * 2 * C + c];
      sdyx += partial[static_cast<size_t>(t) * 2 * C + C + c];
    }
    double inv = 1.0 / std::sqrt(static_cast<double>(var.data[c]) + eps);
    double sxhat = sdyx * inv;  // sum(dy * xhat)
    dbeta.data[c] = static_cast<float>(sdy);
    dgamma.data[c] = static_cast<float>(sxhat);
    double a = (gamma.data ? gamma.data[c] : 1.0) * inv;
    k1[c] = static_cast<float>(a);
    k2[c] = static_cast<float>(-a * inv * sxhat / rows);
    k3[c] = static_cast<float>(-a * sdy / rows);
  }
  float *dxp = dx.data;
  const float *a1 = k1.data();
  const float *a2 = k2.data();
  const float *a3 = k3.data();
  forRanges(rows, par,
            [&](long r0, long r1) { gradDxRows(gp, xp, mp, a1, a2, a3, dxp, C, r0, r1); });
}

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

#define SNL_INLINE __attribute__((always_inline)) inline

// out[i] = a op b over i in [i0, i1) with full or scalar operands.
template <int OP>
SNL_INLINE void binaryFlatT(const float *a, int la, const float *b, int lb, float *out, long i0,
                            long i1) {
  if (la == kFull && lb == kFull) {
#pragma omp simd
    for (long i = i0; i < i1; i++) out[i] = apply<OP>(a[i], b[i]);
  } else if (la == kFull) {
    float s = b[0];
#pragma omp simd
    for (long i = i0; i < i1; i++) out[i] = apply<OP>(a[i], s);
  } else if (lb == kFull) {
    float s = a[0];
#pragma omp simd
    for (long i = i0; i < i1; i++) out[i] = apply<OP>(s, b[i]);
  } else {
    float v = apply<OP>(a[0], b[0]);
    for (long i = i0; i < i1; i++) out[i] = v;
  }
}

// Rows [r0, r1) of C channels where one operand (or both) is a per-channel vector.
template <int OP>
SNL_INLINE void binaryRowsT(const float *a, int la, const float *b, int lb, float *out, long C,
                            long r0, long r1) {
  for (long r = r0; r < r1; r++) {
    float *o = out + r * C;
    if (la == kFull && lb == kChannel) {
      const float *ar = a + r * C;
#pragma omp simd
      for (long c = 0; c < C; c++) o[c] = apply<OP>(ar[c], b[c]);
    } else if (la == kChannel && lb == kFull) {
      const float *br = b + r * C;
#pragma omp simd
      for (long c = 0; c < C; c++) o[c] = apply<OP>(a[c], br[c]);
    } else {
      // channel with scalar or channel
      for (long c = 0; c < C; c++) {
        float x = la == kScalar ? a[0] : a[c];
        float y = lb == kScalar ? b[0] : b[c];
        o[c] = apply<OP>(x, y);
      }
    }
  }
}

#define SNL_BINARY_SWITCH(CALL)                      \
  switch (op) {                                      \
    case kAdd: CALL(kAdd); break;                    \
    case kSub: CALL(kSub); break;                    \
    case kMul: CALL(kMul); break;                    \
    case kDiv: CALL(kDiv); break;                    \
    case kMax: CALL(kMax); break;                    \
    default: CALL(kMin); break;                      \
  }

SNL_CLONES void binaryFlat(int op, const float *a, int la, const float *b, int lb, float *out,
                           long i0, long i1) {
#define SNL_CALL(OP) binaryFlatT<OP>(a, la, b, lb, out, i0, i1)
  SNL_BINARY_SWITCH(SNL_CALL)
#undef SNL_CALL
}

SNL_CLONES void binaryRows(int op, const float *a, int la, const float *b, int lb, float *out,
                           long C, long r0, long r1) {
#define SNL_CALL(OP) binaryRowsT<OP>(a, la, b, lb, out, C, r0, r1)
  SNL_BINARY_SWITCH(SNL_CALL)
#undef SNL_CALL
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
  if (op < kAdd || op > kMin) throw ArgError("unknown binary op");
  bool par = worthParallel(n);
  const float *ap = a.data, *bp = b.data;
  float *op_ = out.data;
  if (la != kChannel && lb != kChannel) {
    forRanges(n, par, [&](long i0, long i1) { binaryFlat(op, ap, la, bp, lb, op_, i0, i1); });
  } else {
    forRanges(n / C, par,
              [&](long r0, long r1) { binaryRows(op, ap, la, bp, lb, op_, C, r0, r1); });
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
#pragma omp parallel for if (worthParallel(rows * inner)) schedule(static)
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
  bool par = worthParallel(outer * mid * inner);
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
  forRanges(rows, worthParallel(rows * C), [&](long r0, long r1) {
    normalizeRows(xp, nullptr, a, b, o, static_cast<size_t>(C), r0, r1);
  });
}

enum UnaryOp { kRelu = 0, kStep = 1, kNeg = 2, kSquare = 3 };

SNL_CLONES void unaryRange(int op, const float *x, float *o, float alpha, long i0, long i1) {
  switch (op) {
    case kRelu:
#pragma omp simd
      for (long i = i0; i < i1; i++) o[i] = x[i] > 0 ? x[i] : (std::isnan(x[i]) ? x[i] : 0.0f);
      break;
    case kStep:
#pragma omp simd
      for (long i = i0; i < i1; i++) o[i] = std::isnan(x[i]) ? x[i] : (x[i] > 0 ? 1.0f : alpha);
      break;
    case kNeg:
#pragma omp simd
      for (long i = i0; i < i1; i++) o[i] = -x[i];
      break;
    default:  // kSquare
#pragma omp simd
      for (long i = i0; i < i1; i++) o[i] = x[i] * x[i];
      break;
  }
}

// unary(op, x, out, alpha)
void unary(napi_env env, napi_value *args, size_t) {
  int op = static_cast<int>(getNumber(env, args[0], "op"));
  F32 x = getF32(env, args[1], "x"), out = getF32(env, args[2], "out");
  float alpha = static_cast<float>(getNumber(env, args[3], "alpha"));
  expectLength(out, x.length, "out");
  if (op < kRelu || op > kSquare) throw ArgError("unknown unary op");
  long n = static_cast<long>(x.length);
  const float *xp = x.data;
  float *o = out.data;
  forRanges(n, worthParallel(n), [&](long i0, long i1) { unaryRange(op, xp, o, alpha, i0, i1); });
}

// dx = dy * step(x) over [i0, i1). Branch-free so that it vectorises (a branch on the sign of x
// mispredicts half the time), with step(NaN) = NaN as in tfjs.
SNL_CLONES void reluGradRange(const float *g, const float *x, float *o, long i0, long i1) {
#pragma omp simd
  for (long i = i0; i < i1; i++) {
    float v = x[i];
    float s = v > 0.0f ? 1.0f : 0.0f;
    s = v != v ? v : s;
    o[i] = g[i] * s;
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
  forRanges(n, worthParallel(n), [&](long i0, long i1) { reluGradRange(g, xp, o, i0, i1); });
}

// out = sum of k inputs over [i0, i1), in chunks that stay in L1 (one vector pass per input).
SNL_CLONES void addNRange(const float *const *in, uint32_t k, float *o, long i0, long i1) {
  constexpr long kChunk = 2048;
  for (long c0 = i0; c0 < i1; c0 += kChunk) {
    long c1 = std::min(c0 + kChunk, i1);
    const float *a = in[0];
    if (k == 1) {
#pragma omp simd
      for (long i = c0; i < c1; i++) o[i] = a[i];
      continue;
    }
    const float *b = in[1];
#pragma omp simd
    for (long i = c0; i < c1; i++) o[i] = a[i] + b[i];
    for (uint32_t j = 2; j < k; j++) {
      const float *p = in[j];
#pragma omp simd
      for (long i = c0; i < c1; i++) o[i] += p[i];
    }
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
  forRanges(n, worthParallel(n), [&](long i0, long i1) { addNRange(in, k, o, i0, i1); });
}

// The optimizer's arithmetic rounds every operation to float, as the op-by-op path (one tfjs
// kernel per operation) does: no FMA contraction here, whatever the target (GCC contracts a * b + c
// across statements by default where FMA exists: aarch64, or a -march with FMA).
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")

// Sgd.step's update of elements [i0, i1) of one variable: gi = clipped ? g * clip : g, then
// with a momentum buffer m (momentum > 0; the SGD_UPDATE kernel's arithmetic):
//   d = gi + wd * v, buf = mu * m + d, step = nesterov ? d + mu * buf : buf, v' = v - lr * step;
// without one (momentum 0, the op-by-op path skips what is 0): d = wd > 0 ? gi + v * wd : gi,
// v' = v - d * lr.
void sgdRange(const float *v, const float *g, const float *m, float *nv, float *nm, bool clipped,
              float clip, float lr, float mu, float wd, bool nesterov, long i0, long i1) {
  if (m) {
    for (long i = i0; i < i1; i++) {
      float gi = clipped ? g[i] * clip : g[i];
      float d = gi + wd * v[i];
      float buf = mu * m[i] + d;
      nm[i] = buf;
      float step = nesterov ? d + mu * buf : buf;
      nv[i] = v[i] - lr * step;
    }
    return;
  }
  for (long i = i0; i < i1; i++) {
    float gi = clipped ? g[i] * clip : g[i];
    float d = wd > 0 ? gi + v[i] * wd : gi;
    nv[i] = v[i] - d * lr;
  }
}

// sum(square(x)) of up to kChains tensors at once, as this engine's Square and Sum kernels compute
// each: float squares added in index order in double, rounded to float. A single chain of double
// additions waits for each addition to finish (about 4 cycles); independent chains, one per
// tensor, overlap in the pipelines without changing any tensor's order of additions (its bits).
constexpr int kChains = 8;
void sumsOfSquares(const float *const *x, const long *n, int count, float *out) {
  long common = n[0];
  for (int q = 1; q < count; q++) common = std::min(common, n[q]);
  double s[kChains] = {0, 0, 0, 0, 0, 0, 0, 0};
  if (count == kChains) {
    for (long i = 0; i < common; i++) {
      for (int q = 0; q < kChains; q++) {
        float sq = x[q][i] * x[q][i];
        s[q] += sq;
      }
    }
  } else {
    common = 0;
  }
  for (int q = 0; q < count; q++) {
    double t = s[q];
    for (long i = common; i < n[q]; i++) {
      float sq = x[q][i] * x[q][i];
      t += sq;
    }
    out[q] = static_cast<float>(t);
  }
}

// sqrt(addN(partials)) as the AddN kernel (float, left to right) and tfjs's Sqrt (double sqrt of
// the float, rounded to float) compute it; 0 for no partials.
float normOfPartials(const std::vector<float> &partials) {
  float total = partials.empty() ? 0.0f : partials[0];
  for (size_t j = 1; j < partials.size(); j++) total = total + partials[j];
  return static_cast<float>(std::sqrt(static_cast<double>(total)));
}

// min(1, clipNorm / (norm + 1e-6)) with the float rounding and NaN rule of the Add, RealDiv and
// Minimum kernels (min(1, NaN) = NaN).
float clipFactor(float norm, float clipNorm) {
  float q = clipNorm / (norm + static_cast<float>(1e-6));
  return (1.0f < q) ? 1.0f : q;
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
#pragma omp parallel for simd if (worthParallel(n)) schedule(static)
  for (long i = 0; i < n; i++) {
    float d = gp[i] + wd * vp[i];
    float buf = mp ? mu * mp[i] + d : d;
    nmp[i] = buf;
    float step = nesterov ? d + mu * buf : buf;
    nvp[i] = vp[i] - lr * step;
  }
}

#pragma GCC pop_options

// A JS array of Float32Arrays (null/undefined: an empty list when `optional`).
std::vector<F32> getF32List(napi_env env, napi_value v, const char *what, bool optional = false) {
  std::vector<F32> out;
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (optional && (t == napi_null || t == napi_undefined)) return out;
  bool isArray = false;
  napi_is_array(env, v, &isArray);
  if (!isArray) throw ArgError(std::string(what) + " must be an array of Float32Arrays");
  uint32_t k = 0;
  napi_get_array_length(env, v, &k);
  for (uint32_t i = 0; i < k; i++) {
    napi_value e;
    napi_get_element(env, v, i, &e);
    out.push_back(getF32(env, e, what));
  }
  return out;
}

// Float sums of squares of each tensor: tensors of similar sizes in groups of kChains
// (sumsOfSquares), the groups in parallel when there is enough work.
std::vector<float> partialSumsOfSquares(const std::vector<F32> &gs) {
  size_t total = 0;
  std::vector<long> order(gs.size());
  for (size_t j = 0; j < gs.size(); j++) {
    total += gs[j].length;
    order[j] = static_cast<long>(j);
  }
  std::sort(order.begin(), order.end(),
            [&](long a, long b) { return gs[a].length > gs[b].length; });
  std::vector<float> partials(gs.size());
  long groups = (static_cast<long>(gs.size()) + kChains - 1) / kChains;
  bool par = worthParallel(static_cast<long>(total)) && groups > 1;
#pragma omp parallel for schedule(dynamic, 1) if (par)
  for (long grp = 0; grp < groups; grp++) {
    const float *x[kChains];
    long n[kChains];
    float sums[kChains];
    long first = grp * kChains;
    int count = static_cast<int>(std::min<long>(kChains, static_cast<long>(gs.size()) - first));
    for (int q = 0; q < count; q++) {
      const F32 &g = gs[static_cast<size_t>(order[first + q])];
      x[q] = g.data;
      n[q] = static_cast<long>(g.length);
    }
    sumsOfSquares(x, n, count, sums);
    for (int q = 0; q < count; q++) partials[static_cast<size_t>(order[first + q])] = sums[q];
  }
  return partials;
}

// globalNorm([g...], out): out[0] = sqrt(addN([sum(square(g)) for g])), the tfjs op sequence of
// Sgd.globalNorm on this engine, bit for bit.
void globalNorm(napi_env env, napi_value *args, size_t) {
  std::vector<F32> gs = getF32List(env, args[0], "gradients");
  F32 out = getF32(env, args[1], "out");
  expectLength(out, 1, "out");
  out.data[0] = normOfPartials(partialSumsOfSquares(gs));
}

// sgdStep([v...], [g...], [m...]|null, [newV...], [newM...]|null, norm|null, clipNorm, lr,
// momentum, weightDecay, nesterov): the whole optimizer step of Sgd.step for all variables that
// got a gradient, in one call. With `norm` (the pre-clip global norm, one float), gradients are
// scaled by min(1, clipNorm / (norm + 1e-6)) first; then PyTorch's SGD per variable (sgdRange).
// Bit for bit what the op-by-op path computes (a Multiply per gradient, then the update).
void sgdStep(napi_env env, napi_value *args, size_t) {
  std::vector<F32> vs = getF32List(env, args[0], "variables");
  std::vector<F32> gs = getF32List(env, args[1], "gradients");
  std::vector<F32> ms = getF32List(env, args[2], "momentum buffers", true);
  std::vector<F32> nvs = getF32List(env, args[3], "new variables");
  std::vector<F32> nms = getF32List(env, args[4], "new momentum buffers", true);
  F32 norm = getOptionalF32(env, args[5], "norm");
  float clipNorm = static_cast<float>(getNumber(env, args[6], "clipNorm"));
  float lr = static_cast<float>(getNumber(env, args[7], "lr"));
  float mu = static_cast<float>(getNumber(env, args[8], "momentum"));
  float wd = static_cast<float>(getNumber(env, args[9], "weightDecay"));
  bool nesterov = getNumber(env, args[10], "nesterov") != 0;
  size_t k = vs.size();
  if (gs.size() != k || nvs.size() != k) {
    throw ArgError("variables, gradients and new variables must have the same count");
  }
  if (ms.size() != nms.size() || (!ms.empty() && ms.size() != k)) {
    throw ArgError("momentum buffers and new momentum buffers: one per variable, or none");
  }
  size_t total = 0;
  for (size_t j = 0; j < k; j++) {
    expectLength(gs[j], vs[j].length, "gradient");
    expectLength(nvs[j], vs[j].length, "new variable");
    if (!ms.empty()) {
      expectLength(ms[j], vs[j].length, "momentum buffer");
      expectLength(nms[j], vs[j].length, "new momentum buffer");
    }
    total += vs[j].length;
  }
  bool clipped = norm.data != nullptr;
  float clip = 1.0f;
  if (clipped) {
    expectLength(norm, 1, "norm");
    clip = clipFactor(norm.data[0], clipNorm);
  }
  long kk = static_cast<long>(k);
  bool par = worthParallel(static_cast<long>(total)) && kk > 1;
#pragma omp parallel for schedule(dynamic, 1) if (par)
  for (long j = 0; j < kk; j++) {
    const float *m = ms.empty() ? nullptr : ms[j].data;
    float *nm = nms.empty() ? nullptr : nms[j].data;
    sgdRange(vs[j].data, gs[j].data, m, nvs[j].data, nm, clipped, clip, lr, mu, wd, nesterov, 0,
             static_cast<long>(vs[j].length));
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
  exportFunction(env, exports, "globalNorm", 2, globalNorm);
  exportFunction(env, exports, "sgdStep", 11, sgdStep);
}

}  // namespace snl
