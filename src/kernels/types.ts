// The kernel interface: one set of numeric routines, two backends (plain TypeScript "js" and
// AssemblyScript compiled to WebAssembly, "wasm" with SIMD or "wasm-scalar" without).
//
// Conventions (llm.c style):
// - Every buffer argument is a byte offset (`Ptr`) into the arena's WebAssembly.Memory; f32 buffers
//   are float32 row-major, index buffers are int32. Sizes are element counts.
// - Flags are numbers 0|1 so the WASM exports can be called directly, with no wrapper on the hot path.
// - Forward kernels overwrite their outputs. Backward kernels ACCUMULATE (+=) into every gradient
//   they write (dx and parameter gradients), so callers zero gradient buffers once per step; this is
//   what lets a residual stream or a shared block sum gradients from several uses.
// - matmul* take an explicit `accumulate` flag (0 overwrite, 1 add). A pointer argument that may be
//   absent is 0 (the arena never places a buffer at offset 0).

export type Ptr = number;
/** Largest K of a matmul with tanhOut (the SIMD kernel's K block: the sum must be complete in registers). */
export const MATMUL_TANH_MAX_K = 256;
export type Flag = 0 | 1;
export type BackendName = "js" | "wasm" | "wasm-scalar";

export interface KernelOps {
  // ---- matmul family: C[M,N] (+)= op(A) · op(B) -----------------------------------------------
  /**
   * C[M,N] (+)= A[M,K] · B[K,N]; unless tanhOut is 0 the product is first multiplied by 1 − Y² for
   * Y [M,N] at tanhOut, with K ≤ MATMUL_TANH_MAX_K: exactly a matmul into a zeroed buffer followed by
   * tanhBackward (the input gradient of a Linear whose input is a Tanh's output, in one pass)
   */
  matmul(c: Ptr, a: Ptr, b: Ptr, M: number, K: number, N: number, accumulate: Flag, tanhOut: Ptr | 0): void;
  /** C[M,N] (+)= Aᵀ · B with A stored [K,M], B [K,N]   (e.g. dW[in,out] = xᵀ · dy) */
  matmulTN(c: Ptr, a: Ptr, b: Ptr, M: number, K: number, N: number, accumulate: Flag): void;
  /**
   * C[M,N] (+)= A · Bᵀ with A [M,K], B stored [N,K]   (e.g. y = x · Wᵀ for a PyTorch W[out,in]);
   * then C += bias[N] (broadcast over rows) unless bias is 0: exactly matmulNT followed by addBias
   */
  matmulNT(c: Ptr, a: Ptr, b: Ptr, M: number, K: number, N: number, accumulate: Flag, bias: Ptr | 0): void;
  /** dst[C,R] (+)= src[R,C]ᵀ */
  transpose(dst: Ptr, src: Ptr, R: number, C: number, accumulate: Flag): void;
  /** y[M,N] += bias[N] (broadcast over rows) */
  addBias(y: Ptr, bias: Ptr, M: number, N: number): void;
  /** dbias[N] += Σ_m dy[m,n] */
  biasBackward(dbias: Ptr, dy: Ptr, M: number, N: number): void;

  // ---- embedding ----------------------------------------------------------------------------------
  /**
   * out[n,C] = table[idx[n], :], idx int32 in [0, V). Returns how many idx fall outside [0, V)
   * (0 for valid data); their out rows are zeroed, nothing outside the table is read.
   */
  embeddingForward(out: Ptr, table: Ptr, idx: Ptr, n: number, C: number, V: number): number;
  /** dtable[idx[n], :] += dout[n, :] (scatter-add). Returns how many idx fall outside [0, V); those rows are skipped. */
  embeddingBackward(dtable: Ptr, dout: Ptr, idx: Ptr, n: number, C: number, V: number): number;
  /**
   * out[r,:] = Σ_{j<n} table[j·V + idx[r·n + j], :] for r < R: n lookups summed, slot j in its own
   * block of V rows of table[n·V, C]. Returns how many idx fall outside [0, V); they add nothing.
   */
  embeddingSumForward(out: Ptr, table: Ptr, idx: Ptr, R: number, n: number, C: number, V: number): number;
  /** dtable[j·V + idx[r·n + j], :] += dout[r, :] (scatter-add). Returns how many idx fall outside [0, V) (skipped). */
  embeddingSumBackward(dtable: Ptr, dout: Ptr, idx: Ptr, R: number, n: number, C: number, V: number): number;

  // ---- elementwise --------------------------------------------------------------------------------
  /** y = tanh(x), n elements */
  tanhForward(y: Ptr, x: Ptr, n: number): void;
  /** dx += dy · (1 − y²), from the forward output y */
  tanhBackward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  /**
   * y = GELU(x): approximate 0 → x·Φ(x) (erf form), 1 → PyTorch approximate='tanh'; with withSlope,
   * dydx = GELU'(x) as well (dydx is not touched otherwise), for the backward dx += dy · dydx
   */
  geluForward(y: Ptr, dydx: Ptr, x: Ptr, n: number, approximate: Flag, withSlope: Flag): void;
  /** dx += dy · m: the backward of y = x · m for a saved m (a dropout mask, a GELU slope) */
  multiplyAccumulate(dx: Ptr, dy: Ptr, m: Ptr, n: number): void;
  /** y = a + b (residual add) */
  add(y: Ptr, a: Ptr, b: Ptr, n: number): void;
  /** y += x (gradient fan-out) */
  accumulate(y: Ptr, x: Ptr, n: number): void;
  /** y = x · s */
  scale(y: Ptr, x: Ptr, n: number, s: number): void;
  /** buf[0..n) = 0 */
  zero(buf: Ptr, n: number): void;
  /** dst[0..n) = src[0..n) */
  copy(dst: Ptr, src: Ptr, n: number): void;
  /** Σ x² over n elements (for gradient-norm clipping), returned in float64 */
  sumSquares(x: Ptr, n: number): number;

  // ---- dropout ------------------------------------------------------------------------------------
  /** mask[i] = (hash(seed, i) ≥ p) / (1 − p) and y = x · mask; the hash is the same in both backends */
  dropoutForward(y: Ptr, mask: Ptr, x: Ptr, n: number, p: number, seed: number): void;

  // ---- normalisation ------------------------------------------------------------------------------
  /**
   * BatchNorm1d over rows: x[R,C] where R = N (2-D input) or N·T (3-D input, channels last).
   * training 1: mean/var over the R rows (biased var normalises), saves xhat[R,C] and invstd[C],
   *   running = (1 − momentum)·running + momentum·stat with the UNBIASED variance (PyTorch);
   * training 0: normalise with runningMean/runningVar (xhat and invstd still written for symmetry).
   * y = gamma · xhat + beta.
   */
  batchnormForward(
    y: Ptr, xhat: Ptr, invstd: Ptr, x: Ptr, gamma: Ptr, beta: Ptr,
    runningMean: Ptr, runningVar: Ptr, R: number, C: number, momentum: number, eps: number,
    training: Flag,
  ): void;
  /**
   * training 1: dx += γ·invstd/R · (R·dy − Σdy − xhat·Σ(dy·xhat)); training 0 (statistics were
   * constants): dx += γ·invstd·dy. Both: dgamma += Σ dy·xhat; dbeta += Σ dy.
   */
  batchnormBackward(
    dx: Ptr, dgamma: Ptr, dbeta: Ptr, dy: Ptr, xhat: Ptr, invstd: Ptr, gamma: Ptr,
    R: number, C: number, training: Flag,
  ): void;
  /** LayerNorm over the last dim: x[R,C]; saves mean[R], rstd[R]; y = w · (x − mean)·rstd + b */
  layernormForward(y: Ptr, mean: Ptr, rstd: Ptr, x: Ptr, w: Ptr, b: Ptr, R: number, C: number, eps: number): void;
  /** dx += rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat)), dxhat = dy·w; dw += Σ dy·xhat; db += Σ dy */
  layernormBackward(
    dx: Ptr, dw: Ptr, db: Ptr, dy: Ptr, x: Ptr, mean: Ptr, rstd: Ptr, w: Ptr, R: number, C: number,
  ): void;

  // ---- loss ---------------------------------------------------------------------------------------
  /**
   * Fused, numerically stable softmax + cross-entropy over logits[R,V] with int32 targets[R].
   * Writes probs[R,V]; returns the mean negative log-likelihood over rows whose target ≥ 0
   * (target −1 is ignored, as PyTorch's ignore_index=-1). Returns 0 when no row counts.
   */
  softmaxCrossEntropyForward(probs: Ptr, logits: Ptr, targets: Ptr, R: number, V: number): number;
  /** dlogits += (probs − onehot(target)) / count, rows with target < 0 get nothing */
  softmaxCrossEntropyBackward(dlogits: Ptr, probs: Ptr, targets: Ptr, R: number, V: number): void;

  // ---- attention (GPT) ----------------------------------------------------------------------------
  /**
   * Causal multi-head self-attention over the fused projection qkv[B,T,3C] (row = q | k | v, head h
   * at columns h·hs..(h+1)·hs, hs = C/NH). att[B,NH,T,T] = softmax_{t2≤t}(q_t·k_t2/√hs), 0 for t2 > t
   * (saved for the backward); out[B,T,C] = Σ_t2 w[t,t2]·v_t2, heads side by side, with w = att or,
   * when p > 0 (dropout on the attention probabilities), w = dropped[B,NH,T,T] = att ⊙ mask: the
   * dropout kernel's mask of `seed` over att's element indices (0 or 1/(1 − p)). dropped is unused
   * when p = 0.
   */
  attentionForward(
    out: Ptr, att: Ptr, qkv: Ptr, B: number, T: number, C: number, NH: number, p: number, seed: number, dropped: Ptr,
  ): void;
  /**
   * dqkv[B,T,3C] += the gradient through attention, from dout[B,T,C] and the forward's qkv, att.
   * datt is scratch of T·T floats (one head of one example at a time); its contents are overwritten.
   * p, seed and dropped are the forward's (the mask is recomputed from the seed).
   */
  attentionBackward(
    dqkv: Ptr, datt: Ptr, dout: Ptr, qkv: Ptr, att: Ptr, B: number, T: number, C: number, NH: number,
    p: number, seed: number, dropped: Ptr,
  ): void;

  // ---- optimisers (over a contiguous range of n parameters) --------------------------------------
  /** PyTorch SGD: g = grad + wd·p; v = momentum·v + g (v = g on the first step when momentum > 0); p −= lr·(momentum > 0 ? v : g) */
  sgdStep(param: Ptr, grad: Ptr, velocity: Ptr, n: number, lr: number, momentum: number, weightDecay: number, firstStep: Flag): void;
  /** PyTorch AdamW: p −= lr·wd·p; m,v EMA; p −= lr · m̂ / (√v̂ + eps), m̂ = m/(1−β1^t), v̂ = v/(1−β2^t) */
  adamwStep(
    param: Ptr, grad: Ptr, m: Ptr, v: Ptr, n: number, lr: number, beta1: number, beta2: number,
    eps: number, weightDecay: number, step: number,
  ): void;
}

export interface Kernels extends KernelOps {
  readonly backend: BackendName;
}
