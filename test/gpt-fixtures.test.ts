// GPT layers and models against PyTorch autograd (fixtures from reference/torch_reference.py:
// layer-attention, layer-attention-dropout, layer-block, model-gpt (tied lm_head), model-gpt-untied), and the float32
// backward of a GPT against float64 finite differences (gradcheck). Tolerance: ‖ours − ref‖/‖ref‖
// ≤ 1e-4 per tensor.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { BackendName } from "../src/kernels/index.js";
import { Model } from "../src/models/model.js";
import type { Layer } from "../src/nn/layer.js";
import { CausalSelfAttention } from "../src/nn/attention.js";
import { Block } from "../src/nn/gpt.js";
import { buildGpt, gptParameterCount, type GptConfig } from "../src/models/gpt.js";
import { gradcheck } from "../src/gradcheck/gradcheck.js";
import { checkLayerFixture, close, loadFixture, type Fixture } from "./helpers/fixtures.js";
import { rng } from "./helpers/numeric.js";

const BACKENDS: BackendName[] = ["js", "wasm", "wasm-scalar"];

function layerFor(f: Fixture): Layer {
  const c = f.config as Record<string, number & boolean>;
  switch (f.meta.layer) {
    case "causal_self_attention": return new CausalSelfAttention(c.n_embd, c.n_head, { bias: c.bias, dropout: c.dropout ?? 0 });
    case "block": return new Block(c.n_embd, c.n_head, { bias: c.bias });
    default: throw new Error(`no layer for ${f.meta.layer}`);
  }
}

// attention-dropout: both dropouts with p 0.25, PyTorch drawing wasmore's masks for seed 1
for (const name of ["attention", "attention-dropout", "block"])
  for (const backend of BACKENDS)
    test(`layer ${name} matches PyTorch (${backend})`, () => {
      const f = loadFixture(`layer-${name}.safetensors`);
      checkLayerFixture(f, layerFor(f), backend);
    });

function gptConfig(f: Fixture): GptConfig {
  const c = f.config as Record<string, number & boolean>;
  return { vocabSize: c.vocab_size, blockSize: c.block_size, nLayer: c.n_layer, nHead: c.n_head, nEmbd: c.n_embd, dropout: c.dropout, bias: c.bias, tied: c.tied };
}

for (const name of ["gpt", "gpt-untied"])
  for (const backend of BACKENDS)
    test(`model ${name}: logits, loss over B·T rows, every gradient match PyTorch (${backend})`, () => {
      const f = loadFixture(`model-${name}.safetensors`);
      const config = gptConfig(f);
      const [B, T] = f.shape("x");
      const model = new Model(buildGpt(config), { backend, maxBatch: B, inputShape: [T] });
      assert.is(model.rowsPerExample, T);
      assert.is(model.parameterCount, Number(f.meta.param_count), "parameter count equals PyTorch's");
      assert.is(gptParameterCount(config), Number(f.meta.param_count));
      assert.equal(model.params.map((p) => p.name), f.names("grad.param."), "state-dict names and order as PyTorch's named_parameters");
      for (const p of model.params) p.value.data.set(f.f32(`param.${p.name}`));
      model.input.ints.set(f.i32("x"));
      model.targets.ints.set(f.i32("y"));
      assert.ok(f.i32("y").includes(-1), "the fixture has ignored targets");

      close("logits", model.forward(B, true).data.subarray(0, f.f32("logits").length), f.f32("logits"));
      model.zeroGrad();
      close("loss", [model.loss(B, true)], f.f32("loss"), 1e-5);
      model.backward();
      for (const p of model.params) close(`grad.${p.name}`, p.grad.data, f.f32(`grad.param.${p.name}`));
      // a second step accumulates from zero again: the attention scratch and dqkv leave no residue
      model.zeroGrad();
      model.loss(B, true);
      model.backward();
      for (const p of model.params) close(`second grad.${p.name}`, p.grad.data, f.f32(`grad.param.${p.name}`));
      close("eval.logits", model.forward(B, false).data.subarray(0, f.f32("eval.logits").length), f.f32("eval.logits"));
      close("eval.loss", [model.loss(B, false)], f.f32("eval.loss"), 1e-5);
    });

test("GPT state-dict names follow nanoGPT", () => {
  const config: GptConfig = { vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 2, nEmbd: 4, dropout: 0, bias: true, tied: false };
  const model = new Model(buildGpt(config), { backend: "js", maxBatch: 1, inputShape: [4] });
  assert.equal(model.params.map((p) => p.name), [
    "transformer.wte.weight", "transformer.wpe.weight",
    "transformer.h.0.ln_1.weight", "transformer.h.0.ln_1.bias",
    "transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_attn.bias",
    "transformer.h.0.attn.c_proj.weight", "transformer.h.0.attn.c_proj.bias",
    "transformer.h.0.ln_2.weight", "transformer.h.0.ln_2.bias",
    "transformer.h.0.mlp.c_fc.weight", "transformer.h.0.mlp.c_fc.bias",
    "transformer.h.0.mlp.c_proj.weight", "transformer.h.0.mlp.c_proj.bias",
    "transformer.ln_f.weight", "transformer.ln_f.bias", "lm_head.weight",
  ]);
  const tied = new Model(buildGpt({ ...config, tied: true, bias: false }), { backend: "js", maxBatch: 1, inputShape: [4] });
  assert.not.ok(tied.params.some((p) => p.name === "lm_head.weight" || p.name.endsWith("c_fc.bias")));
  assert.is(tied.parameterCount, gptParameterCount({ ...config, tied: true, bias: false }));
});

for (const tied of [true, false])
  for (const backend of ["wasm", "js"] as BackendName[])
    test(`gradcheck: GPT (tied ${tied}, ${backend}) hand-written gradients vs float64 finite differences`, () => {
      const config: GptConfig = { vocabSize: 11, blockSize: 6, nLayer: 2, nHead: 2, nEmbd: 8, dropout: 0, bias: true, tied };
      const B = 3;
      const model = new Model(buildGpt(config), { backend, maxBatch: B, inputShape: [config.blockSize], seed: 7 });
      // weights far from nanoGPT's 0.02 init so attention is far from uniform
      const r = rng("gpt-gradcheck");
      for (const p of model.params) {
        const d = p.value.data;
        for (let i = 0; i < d.length; i++) d[i] = p.name.endsWith("ln_1.weight") || p.name.endsWith("ln_2.weight") || p.name.endsWith("ln_f.weight") ? 1 + 0.2 * (r() - 0.5) : 0.6 * (r() - 0.5);
      }
      const x = model.input.ints;
      const y = model.targets.ints;
      for (let i = 0; i < B * config.blockSize; i++) {
        x[i] = Math.floor(r() * config.vocabSize);
        y[i] = i % 7 === 3 ? -1 : Math.floor(r() * config.vocabSize);
      }
      const rows = gradcheck(model, B, { samples: 12 });
      for (const row of rows) assert.ok(row.relError <= 1e-4, `${row.name}: relError ${row.relError.toExponential(2)} > ${1e-4}`);
    });

test.run();
