// TensorFlow.js twins of the benchmark models (mlp, bnmlp, wavenet) and of one training step:
// sample a minibatch, forward, mean cross-entropy, backward, plain SGD update, read the loss.
// TensorFlow.js is an optional (dev) dependency: loadTfjs() returns null when it is not installed,
// and the benchmark skips these rows. Known traps (TensorFlow.js 4.22 in Node):
// - tfjs-core alone registers no gradients in Node: tfjs-layers is imported for its side effect.
// - the wasm backend has no gradient for `gather` (no UnsortedSegmentSum kernel): there the
//   embedding is one-hot × matmul; the cpu backend uses gather.
// - tf.oneHot(..., 'float32') returns garbage on wasm: build an int32 one-hot and cast it.
import type * as TF from "@tensorflow/tfjs-core";

export type TfjsBackend = "wasm" | "cpu";
type Tf = typeof TF;

/** A training minibatch source: X is count×blockSize ids, Y count targets. */
export interface TfjsData {
  X: Int32Array;
  Y: Int32Array;
  count: number;
  blockSize: number;
  vocabSize: number;
}

let loaded: Promise<Tf | null> | undefined;
/** The reason the last loadTfjs() returned null. */
export let tfjsUnavailable = "";

/** Import tfjs-core, tfjs-layers (gradients) and both backends; null when not installed. */
export function loadTfjs(): Promise<Tf | null> {
  // Specifiers through a variable so bundlers and type-only builds do not require the packages.
  const load = (name: string) => import(name);
  loaded ??= (async () => {
    try {
      const tf = (await load("@tensorflow/tfjs-core")) as Tf & { default?: Tf };
      await load("@tensorflow/tfjs-layers");
      await load("@tensorflow/tfjs-backend-cpu");
      await load("@tensorflow/tfjs-backend-wasm");
      return tf.default ?? tf;
    } catch (err) {
      tfjsUnavailable = `TensorFlow.js not available (${(err as Error).message.split("\n")[0]})`;
      return null;
    }
  })();
  return loaded;
}

/** Switch TensorFlow.js to a backend; returns false (and sets tfjsUnavailable) when it cannot start. */
export async function useTfjsBackend(tf: Tf, backend: TfjsBackend): Promise<boolean> {
  try {
    const ok = await tf.setBackend(backend);
    await tf.ready();
    if (!ok || tf.getBackend() !== backend) throw new Error(`setBackend('${backend}') failed`);
    return true;
  } catch (err) {
    tfjsUnavailable = `TensorFlow.js ${backend} backend unavailable (${(err as Error).message})`;
    return false;
  }
}

/** Architectures as in src/models/networks.ts (lecture 2, 3 and 5 configurations). */
export const TFJS_MODELS: Record<string, { blockSize: number; nEmbd: number; nHidden: number; kind: "mlp" | "bnmlp" | "wavenet" }> = {
  mlp: { kind: "mlp", blockSize: 3, nEmbd: 10, nHidden: 200 },
  bnmlp: { kind: "bnmlp", blockSize: 3, nEmbd: 10, nHidden: 200 },
  wavenet: { kind: "wavenet", blockSize: 8, nEmbd: 24, nHidden: 128 },
};

export interface TfjsTrainer {
  /** One full training step; returns the loss before the update. */
  step(): number;
  /** Parameter count (matches PyTorch's for the same model). */
  parameterCount: number;
  /** How the embedding is computed on this backend. */
  embedding: "gather" | "one-hot matmul";
  dispose(): void;
}

/**
 * Build model `name` on the current TensorFlow.js backend and return its training step.
 * Call after useTfjsBackend(). Batch B, SGD with learning rate lr, BatchNorm momentum 0.1, eps 1e-5.
 */
export function createTfjsTrainer(tf: Tf, name: string, data: TfjsData, B = 32, lr = 0.1, seed = 42): TfjsTrainer {
  const arch = TFJS_MODELS[name];
  if (!arch) throw new RangeError(`no TensorFlow.js model ${name} (have ${Object.keys(TFJS_MODELS).join(", ")})`);
  if (arch.blockSize !== data.blockSize) throw new RangeError(`${name} needs contexts of ${arch.blockSize}, got ${data.blockSize}`);
  const { blockSize: T, nEmbd: C, nHidden: H } = arch;
  const V = data.vocabSize;
  const oneHotEmbedding = tf.getBackend() === "wasm";
  let s = seed;
  const variables: TF.Variable[] = [];
  const param = (shape: number[], std: number) => {
    const v = tf.variable(std === 0 ? tf.zeros(shape) : tf.randomNormal(shape, 0, std, "float32", s++));
    variables.push(v);
    return v;
  };
  const ones = (n: number) => {
    const v = tf.variable(tf.ones([n]));
    variables.push(v);
    return v;
  };

  // Linear weights are stored [in, out] so y = x · W (the transpose of nn.Linear's layout).
  const emb = param([V, C], 1);
  type BN = { gamma: TF.Variable; beta: TF.Variable; mean: TF.Variable; variance: TF.Variable };
  const batchnorm = (n: number): BN => ({
    gamma: ones(n),
    beta: param([n], 0),
    mean: tf.variable(tf.zeros([n]), false),
    variance: tf.variable(tf.ones([n]), false),
  });
  const layers: { W: TF.Variable; b?: TF.Variable; bn?: BN }[] = [];
  if (arch.kind === "mlp") layers.push({ W: param([T * C, H], 1), b: param([H], 1) });
  else if (arch.kind === "bnmlp") layers.push({ W: param([T * C, H], 5 / 3 / Math.sqrt(T * C)), bn: batchnorm(H) });
  else for (let t = T, width = C; t > 1; t /= 2, width = H) layers.push({ W: param([2 * width, H], 1 / Math.sqrt(2 * width)), bn: batchnorm(H) });
  const out = { W: param([H, V], arch.kind === "mlp" ? 1 : arch.kind === "bnmlp" ? 0.01 : 0.1 / Math.sqrt(H)), b: param([V], arch.kind === "mlp" ? 1 : 0) };
  const bnStats = layers.flatMap((l) => (l.bn ? [l.bn.mean, l.bn.variance] : []));
  const trainable = variables;

  // BatchNorm1d in training mode over the rows of x (R, n); running stats as PyTorch (unbiased var).
  const applyBatchnorm = (x: TF.Tensor2D, bn: BN): TF.Tensor2D => {
    const R = x.shape[0];
    const { mean, variance } = tf.moments(x, 0);
    bn.mean.assign(tf.add(tf.mul(bn.mean, 0.9), tf.mul(mean, 0.1)));
    bn.variance.assign(tf.add(tf.mul(bn.variance, 0.9), tf.mul(variance, 0.1 * (R / (R - 1)))));
    const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
    return tf.add(tf.mul(xhat, bn.gamma), bn.beta) as TF.Tensor2D;
  };
  const embed = (ids: TF.Tensor1D): TF.Tensor2D =>
    oneHotEmbedding ? tf.matMul(tf.cast(tf.oneHot(ids, V), "float32"), emb) : (tf.gather(emb, ids) as TF.Tensor2D);

  const forwardLoss = (xb: TF.Tensor2D, yb: TF.Tensor1D): TF.Scalar => {
    let x = embed(tf.reshape(xb, [B * T]) as TF.Tensor1D); // (B·T, C)
    if (arch.kind === "wavenet") {
      for (const l of layers) {
        x = tf.reshape(x, [x.shape[0] / 2, 2 * x.shape[1]]); // FlattenConsecutive(2) on rows
        x = tf.tanh(applyBatchnorm(tf.matMul(x, l.W), l.bn!));
      }
    } else {
      const l = layers[0];
      x = tf.matMul(tf.reshape(x, [B, T * C]), l.W);
      x = l.b ? tf.add(x, l.b) : applyBatchnorm(x, l.bn!);
      x = tf.tanh(x);
    }
    const logits = tf.add(tf.matMul(x, out.W), out.b) as TF.Tensor2D;
    const labels = tf.cast(tf.oneHot(yb, V), "float32");
    return tf.losses.softmaxCrossEntropy(labels, logits) as TF.Scalar;
  };

  const optimizer = tf.train.sgd(lr);
  let rng = (seed * 2654435761) >>> 0 || 1;
  const random = () => {
    // xorshift32: sampling only needs to be uniform and cheap
    rng ^= rng << 13;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    return (rng >>> 0) / 2 ** 32;
  };
  const xb = new Int32Array(B * T);
  const yb = new Int32Array(B);
  return {
    parameterCount: trainable.reduce((n, v) => n + v.size, 0),
    embedding: oneHotEmbedding ? "one-hot matmul" : "gather",
    step(): number {
      for (let b = 0; b < B; b++) {
        const i = Math.floor(random() * data.count);
        for (let t = 0; t < T; t++) xb[b * T + t] = data.X[i * T + t];
        yb[b] = data.Y[i];
      }
      return tf.tidy(() => {
        const x = tf.tensor2d(xb, [B, T], "int32");
        const y = tf.tensor1d(yb, "int32");
        const loss = optimizer.minimize(() => forwardLoss(x, y), true, trainable)!;
        return loss.dataSync()[0];
      });
    },
    dispose(): void {
      optimizer.dispose();
      for (const v of [...variables, ...bnStats]) v.dispose();
    },
  };
}
