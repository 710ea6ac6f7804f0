// Average pooling and its gradient on NHWC activations as plain OpenMP loops. They replace
// oneDNN 2.6's NHWC pooling, which was slower at every shape measured (1 thread, ms, oneDNN ->
// loops; forward / gradient): 64x32x32x16 3x3 s1 1.09 -> 0.82 / 1.49 -> 0.95, 64x16x16x32
// 0.54 -> 0.40 / 2.15 -> 0.46, 64x8x8x64 0.55 -> 0.20 / 1.07 -> 0.19, 64x28x28x8 0.78 -> 0.30 /
// 0.83 -> 0.40, 64x32x32x16 2x2 s2 0.35 -> 0.33 / 0.75 -> 0.61. Sums run in a fixed order, so
// results do not depend on the thread count.
#include <omp.h>

#include <algorithm>

#include "common.h"

namespace snl {
namespace {

struct PoolGeom {
  long N, H, W, C, KH, KW, OH, OW, sh, sw, pt, pl;
  int mode;  // 0: average including padding, 1: average excluding padding
};

// params: N H W C KH KW OH OW sh sw pt pl mode (src/engine/native/kernels.ts poolParams)
PoolGeom poolGeom(const I32 &p) {
  if (p.length < 13) throw ArgError("pool params: expected 13 integers");
  const int32_t *q = p.data;
  PoolGeom g{q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8], q[9], q[10], q[11], q[12]};
  if (g.mode != 0 && g.mode != 1) throw ArgError("only average pooling is implemented natively");
  if (g.sh < 1 || g.sw < 1 || g.KH < 1 || g.KW < 1) throw ArgError("bad pooling geometry");
  return g;
}

// 1 / (elements of the window of output (oh, ow)), per output position.
std::vector<float> inverseCounts(const PoolGeom &g) {
  std::vector<float> inv(static_cast<size_t>(g.OH * g.OW));
  for (long oh = 0; oh < g.OH; oh++) {
    long h0 = oh * g.sh - g.pt;
    long nh = std::min(h0 + g.KH, g.H) - std::max(h0, 0L);
    for (long ow = 0; ow < g.OW; ow++) {
      long w0 = ow * g.sw - g.pl;
      long nw = std::min(w0 + g.KW, g.W) - std::max(w0, 0L);
      long n = g.mode == 0 ? g.KH * g.KW : std::max(0L, nh) * std::max(0L, nw);
      inv[static_cast<size_t>(oh * g.OW + ow)] = n > 0 ? 1.0f / static_cast<float>(n) : 0.0f;
    }
  }
  return inv;
}

// dst[j] = sum over k < K of src[j + shift(k)] (rows of `cols` columns of C channels, columns
// outside src skipped), as K contiguous adds over the whole row, k in order.
template <class Shift>
void addShifted(const float *src, long srcCols, float *dst, long dstCols, long C, long K,
                Shift shift) {
  std::fill(dst, dst + dstCols * C, 0.0f);
  for (long k = 0; k < K; k++) {
    long d = shift(k);
    long j0 = std::max(0L, -d), j1 = std::min(dstCols, srcCols - d);
    if (j1 <= j0) continue;
    const float *a = src + (j0 + d) * C;
    float *b = dst + j0 * C;
    long len = (j1 - j0) * C;
#pragma omp simd
    for (long j = 0; j < len; j++) b[j] += a[j];
  }
}

// The arguments of a pooling call (from, to, params), their lengths checked against the
// geometry: forward reads the input and writes the output, the gradient the other way round.
struct PoolCall {
  F32 from, to;
  PoolGeom g;
  std::vector<float> inv;
  PoolCall(napi_env env, napi_value *args, const char *fromName, const char *toName, bool forward)
      : from(getF32(env, args[0], fromName)),
        to(getF32(env, args[1], toName)),
        g(poolGeom(getI32(env, args[2], "params"))) {
    const size_t input = static_cast<size_t>(g.N * g.H * g.W * g.C);
    const size_t output = static_cast<size_t>(g.N * g.OH * g.OW * g.C);
    expectLength(from, forward ? input : output, fromName);
    expectLength(to, forward ? output : input, toName);
    inv = inverseCounts(g);
  }
};

// avgPoolBackward(dy, dx, params): dx[n, h, w] = sum over the outputs whose window holds (h, w)
// of dy[n, oh, ow] / count(oh, ow).
void avgPoolBackward(napi_env env, napi_value *args, size_t) {
  PoolCall call(env, args, "dy", "dx", false);
  const PoolGeom &g = call.g;
  const float *inv = call.inv.data();
  const float *gp = call.from.data;
  float *dp = call.to.data;
  const long C = g.C;
  // Outputs whose window [o*s - p, o*s - p + K) holds i: ceil((i + p - K + 1) / s) .. floor((i + p) / s).
  auto first = [](long i, long p, long K, long s) {
    long a = i + p - K + 1;
    return a <= 0 ? 0 : (a + s - 1) / s;
  };
  const bool par = worthParallel(static_cast<long>(call.to.length) * g.KH * g.KW);
  if (g.sh == 1 && g.sw == 1) {
    // Stride 1: scaled dy rows summed over the window's rows, then KW shifted adds.
#pragma omp parallel if (par)
    {
      std::vector<float> tv(static_cast<size_t>(g.OW * C));
      float *t = tv.data();
      const long OWC = g.OW * C;
#pragma omp for schedule(static)
      for (long nh = 0; nh < g.N * g.H; nh++) {
        long n = nh / g.H, h = nh % g.H;
        long ohs = first(h, g.pt, g.KH, 1), ohe = std::min(g.OH - 1, h + g.pt);
        const float *gn = gp + n * g.OH * OWC;
        std::fill(tv.begin(), tv.end(), 0.0f);
        for (long oh = ohs; oh <= ohe; oh++) {
          const float *src = gn + oh * OWC;
          const float *ir = inv + oh * g.OW;
          for (long ow = 0; ow < g.OW; ow++) {
            float k = ir[ow];
            const float *ss = src + ow * C;
            float *tt = t + ow * C;
#pragma omp simd
            for (long c = 0; c < C; c++) tt[c] += ss[c] * k;
          }
        }
        // Output column of input column w: w + pl - kw.
        addShifted(t, g.OW, dp + (n * g.H + h) * g.W * C, g.W, C, g.KW, [&](long kw) {
          return g.pl - kw;
        });
      }
    }
    return;
  }
#pragma omp parallel for if (par) schedule(static)
  for (long nh = 0; nh < g.N * g.H; nh++) {
    long n = nh / g.H, h = nh % g.H;
    long ohs = first(h, g.pt, g.KH, g.sh), ohe = std::min(g.OH - 1, (h + g.pt) / g.sh);
    const float *gn = gp + n * g.OH * g.OW * C;
    for (long w = 0; w < g.W; w++) {
      long ows = first(w, g.pl, g.KW, g.sw), owe = std::min(g.OW - 1, (w + g.pl) / g.sw);
      float *o = dp + ((n * g.H + h) * g.W + w) * C;
#pragma omp simd
      for (long c = 0; c < C; c++) o[c] = 0.0f;
      for (long oh = ohs; oh <= ohe; oh++) {
        for (long ow = ows; ow <= owe; ow++) {
          const float *src = gn + (oh * g.OW + ow) * C;
          float k = inv[oh * g.OW + ow];
#pragma omp simd
          for (long c = 0; c < C; c++) o[c] += src[c] * k;
        }
      }
    }
  }
}

// avgPoolForward(x, y, params): y[n, oh, ow] = (sum of x over the window) / count. Separable:
// the window's rows are summed once per output row (t = sum over h of x[n, h, :]), then each
// output sums KW entries of t, so a 3x3 window costs 6 adds per element instead of 9.
void avgPoolForward(napi_env env, napi_value *args, size_t) {
  PoolCall call(env, args, "x", "output", true);
  const PoolGeom &g = call.g;
  const float *inv = call.inv.data();
  const float *xp = call.from.data;
  float *yp = call.to.data;
  const long C = g.C, WC = g.W * C;
  // Stride 1: 1 / count per output element of an image (a 1/N share of the work).
  std::vector<float> invRowV;
  if (g.sw == 1) {
    invRowV.resize(static_cast<size_t>(g.OH * g.OW * C));
    for (long i = 0; i < g.OH * g.OW; i++) std::fill_n(invRowV.begin() + i * C, C, inv[i]);
  }
  const float *invRow = invRowV.data();
  const bool par = worthParallel(static_cast<long>(call.to.length) * g.KH * g.KW);
#pragma omp parallel if (par)
  {
    std::vector<float> tv(static_cast<size_t>(WC));
    float *t = tv.data();
#pragma omp for schedule(static)
    for (long no = 0; no < g.N * g.OH; no++) {
      long n = no / g.OH, oh = no % g.OH;
      long h0 = std::max(0L, oh * g.sh - g.pt), h1 = std::min(g.H, oh * g.sh - g.pt + g.KH);
      const float *xn = xp + n * g.H * WC;
      std::fill(tv.begin(), tv.end(), 0.0f);
      for (long h = h0; h < h1; h++) {
        const float *src = xn + h * WC;
#pragma omp simd
        for (long j = 0; j < WC; j++) t[j] += src[j];
      }
      float *o = yp + no * g.OW * C;
      if (g.sw == 1) {
        // Stride 1: the columns as KW shifted adds over the whole row, then the counts.
        const long OWC = g.OW * C;
        // Input column of output column ow: ow + kw - pl.
        addShifted(t, g.W, o, g.OW, C, g.KW, [&](long kw) { return kw - g.pl; });
        const float *k = invRow + oh * OWC;
#pragma omp simd
        for (long j = 0; j < OWC; j++) o[j] *= k[j];
        continue;
      }
      for (long ow = 0; ow < g.OW; ow++) {
        long w0 = std::max(0L, ow * g.sw - g.pl), w1 = std::min(g.W, ow * g.sw - g.pl + g.KW);
        float *oc = o + ow * C;
        float k = inv[oh * g.OW + ow];
#pragma omp simd
        for (long c = 0; c < C; c++) oc[c] = 0.0f;
        for (long w = w0; w < w1; w++) {
          const float *tc = t + w * C;
#pragma omp simd
          for (long c = 0; c < C; c++) oc[c] += tc[c];
        }
#pragma omp simd
        for (long c = 0; c < C; c++) oc[c] *= k;
      }
    }
  }
}

}  // namespace

void registerPoolOps(napi_env env, napi_value exports) {
  exportFunction(env, exports, "avgPoolBackward", 3, avgPoolBackward);
  exportFunction(env, exports, "avgPoolForward", 3, avgPoolForward);
}

}  // namespace snl
