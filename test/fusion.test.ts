// The fused steps of src/nn/fusion.ts against their layers run one by one, on every backend.
// EmbeddingLinear: Embedding → FlattenConsecutive → Linear computed from per-token tables must give
// the three layers' loss, every gradient and eval logits, for each network that has the pattern (MLP
// with a biased Linear, BN-MLP, WaveNet, a shared-fusion WaveNet with GELU, residual blocks and
// dropout). Tolerance ‖tables − layers‖/‖layers‖ ≤ 1e-5 per tensor: the same sums in another order.
// PyTorch itself checks the table path in torch-fixtures.test.ts.
// TanhLinear: Tanh → (FlattenConsecutive) → Linear with the Tanh's backward folded into the Linear's
// input-gradient matmul must give the same loss and gradients bit for bit (the same operations).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Model } from "../src/models/model.js";
import { buildNetwork, type NetworkConfig } from "../src/models/networks.js";
import { EmbeddingLinear } from "../src/nn/fusion.js";
import { Dropout, Tanh } from "../src/nn/activations.js";
import { Sequential } from "../src/nn/structure.js";
import type { Layer } from "../src/nn/layer.js";
import { BACKENDS } from "../src/kernels/index.js";
import type { BackendName } from "../src/kernels/index.js";
import { relErr, rng } from "./helpers/numeric.js";

const wavenet = { type: "wavenet", vocabSize: 27, blockSize: 8, nEmbd: 24, nHidden: 32, activation: "tanh", residualBlocks: 0, dropout: 0, sharedFusion: false } as const;
const CASES: [string, NetworkConfig, number][] = [
  ["mlp", { type: "mlp", vocabSize: 27, blockSize: 3, nEmbd: 10, nHidden: 40, batchnorm: false }, 64],
  ["bnmlp", { type: "mlp", vocabSize: 27, blockSize: 3, nEmbd: 10, nHidden: 40, batchnorm: true }, 64],
  ["wavenet", wavenet, 32],
  ["wavenet shared fusion, GELU, residuals, dropout", { ...wavenet, nEmbd: 16, nHidden: 16, activation: "gelu", residualBlocks: 1, dropout: 0.2, sharedFusion: true }, 16],
];

/** A model of `config` loaded with one seeded batch. */
function seededModel(config: NetworkConfig, B: number, backend: BackendName): Model {
  const model = new Model(buildNetwork(config), { backend, maxBatch: B, inputShape: [(config as { blockSize: number }).blockSize], seed: 7 });
  const r = rng(`fusion-${config.type}`);
  for (let i = 0; i < model.input.length; i++) model.input.ints[i] = Math.floor(r() * 27);
  for (let i = 0; i < model.targets.length; i++) model.targets.ints[i] = Math.floor(r() * 27);
  return model;
}

/** Run fn with the row threshold forced to use (or not use) the tables. */
function withTables<T>(tables: boolean, fn: () => T): T {
  const threshold = EmbeddingLinear.rowsPerToken;
  EmbeddingLinear.rowsPerToken = tables ? 0 : Infinity;
  try {
    return fn();
  } finally {
    EmbeddingLinear.rowsPerToken = threshold;
  }
}

for (const [name, config, B] of CASES)
  for (const backend of BACKENDS)
    test(`EmbeddingLinear tables = the three layers: ${name} (${backend})`, () => {
      const run = (tables: boolean) =>
        withTables(tables, () => {
          const model = seededModel(config, B, backend);
          model.zeroGrad();
          const loss = model.loss(B, true);
          model.backward();
          const grads = model.params.map((p) => Float32Array.from(p.grad.data));
          const logits = Float32Array.from(model.forward(B, false).data.subarray(0, B * model.vocabSize));
          return { loss, grads, logits, names: model.params.map((p) => p.name) };
        });
      const layers = run(false);
      const tables = run(true);
      assert.ok(Math.abs(tables.loss - layers.loss) <= 1e-6 * Math.abs(layers.loss), `loss ${tables.loss} vs ${layers.loss}`);
      layers.grads.forEach((g, i) => {
        const e = relErr(tables.grads[i], g);
        assert.ok(e <= 1e-5, `grad ${layers.names[i]}: relErr ${e.toExponential(2)}`);
      });
      const e = relErr(tables.logits, layers.logits);
      assert.ok(e <= 1e-5, `eval logits: relErr ${e.toExponential(2)}`);
    });

for (const tables of [false, true])
  test(`EmbeddingLinear: a token index outside the vocabulary is a RangeError, not a wrong answer (tables ${tables})`, () => {
    withTables(tables, () => {
      const model = seededModel(wavenet, 32, "wasm");
      model.input.ints[5] = 27;
      assert.throws(() => model.loss(32, true), (e: Error) => e instanceof RangeError && /1 token indices outside \[0, 27\)/.test(e.message));
    });
  });

/** The network with a Dropout(0) (the identity, no parameters) after every Tanh: no TanhLinear step forms. */
function withoutTanhLinear(net: Layer): Layer {
  const layers = (net as Sequential).layers.flatMap((l) => (l instanceof Tanh ? [l, new Dropout(0)] : [l]));
  return new Sequential(...layers);
}

for (const [name, config, B] of CASES.slice(0, 3))
  for (const backend of BACKENDS)
    test(`TanhLinear = Tanh, (FlattenConsecutive,) Linear one by one, bit for bit: ${name} (${backend})`, () => {
      const run = (fused: boolean) => {
        const net = buildNetwork(config);
        const model = new Model(fused ? net : withoutTanhLinear(net), { backend, maxBatch: B, inputShape: [(config as { blockSize: number }).blockSize], seed: 7 });
        const r = rng(`tanh-linear-${name}`);
        for (let i = 0; i < model.input.length; i++) model.input.ints[i] = Math.floor(r() * 27);
        for (let i = 0; i < model.targets.length; i++) model.targets.ints[i] = Math.floor(r() * 27);
        let tanhBackwards = 0; // every Tanh of these networks feeds a Linear: fused, none is left
        const tanhBackward = model.k.tanhBackward;
        model.k.tanhBackward = (...args) => (tanhBackwards++, tanhBackward(...args));
        model.zeroGrad();
        const loss = model.loss(B, true);
        model.backward();
        return { loss, grads: model.params.map((p) => Float32Array.from(p.grad.data)), tanhBackwards };
      };
      const layers = run(false);
      const fused = run(true);
      assert.ok(layers.tanhBackwards > 0 && fused.tanhBackwards === 0, `tanhBackward calls: ${layers.tanhBackwards} one by one, ${fused.tanhBackwards} fused`);
      assert.is(fused.loss, layers.loss);
      assert.is(fused.grads.length, layers.grads.length);
      layers.grads.forEach((g, i) => {
        for (let j = 0; j < g.length; j++)
          if (fused.grads[i][j] !== g[j]) assert.unreachable(`gradient ${i}[${j}]: ${fused.grads[i][j]} fused, ${g[j]} one by one`);
      });
    });

test.run();
