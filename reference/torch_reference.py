#!/usr/bin/env python3
"""PyTorch reference for wasmore: the same layers and models as nn.Modules, and the test fixtures.

    /usr/bin/python3 reference/torch_reference.py                  # (re)write test/fixtures/*.safetensors
    /usr/bin/python3 reference/torch_reference.py load CKPT [MODEL [CONFIG_JSON]]
                                                                    # load a wasmore checkpoint into torch

Fixtures are deterministic (fixed seeds, one thread): running this twice gives bit-identical files.
See reference/README.md for what each fixture holds. safetensors is read and written by the small
pure-Python functions below (the `safetensors` package is not in Debian bookworm).
"""
import copy
import json
import os
import random
import struct
import sys
import tempfile
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FIXTURES = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures"))
GENERATOR = "reference/torch_reference.py"

# ----------------------------------------------------------------------------------------------
# safetensors (format: u64 LE header length N | N bytes JSON header, space-padded to a multiple
# of 8 | data). Tensors are laid out in the order given, exactly as src/io/safetensors.ts does.

NP_DTYPES = {"F32": np.dtype("<f4"), "I32": np.dtype("<i4"), "I64": np.dtype("<i8")}
TORCH_TO_ST = {torch.float32: "F32", torch.int32: "I32", torch.int64: "I64"}


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, torch.Tensor) in file order; metadata: dict of str -> str or None."""
    entries, blobs, offset = [], [], 0
    if metadata is not None:
        assert all(isinstance(v, str) for v in metadata.values())
        entries.append('"__metadata__":' + compact(metadata))
    for name, t in tensors:
        dtype = TORCH_TO_ST[t.dtype]
        blob = t.detach().contiguous().cpu().numpy().astype(NP_DTYPES[dtype]).tobytes()
        info = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        entries.append(compact(name) + ":" + compact(info))
        blobs.append(blob)
        offset += len(blob)
    header = ("{" + ",".join(entries) + "}").encode("utf-8")
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + b"".join(blobs))


def read_safetensors(path):
    """Returns (metadata dict, {name: torch.Tensor}); trusts the file (only for our own tests)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    metadata = header.pop("__metadata__", None) or {}
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        arr = np.frombuffer(data[8 + n + begin : 8 + n + end], dtype=NP_DTYPES[info["dtype"]])
        tensors[name] = torch.from_numpy(arr.reshape(info["shape"]).copy())
    return metadata, tensors


# ----------------------------------------------------------------------------------------------
# Layers (makemore lecture 5 style).


class FlattenConsecutive(nn.Module):
    """(B, T, C) -> (B, T/n, C*n); squeezed to (B, C*n) when T/n == 1."""

    def __init__(self, n):
        super().__init__()
        self.n = n

    def forward(self, x):
        B, T, C = x.shape
        x = x.reshape(B, T // self.n, C * self.n)
        return x.squeeze(1) if x.shape[1] == 1 else x


class BatchNorm1d(nn.BatchNorm1d):
    """nn.BatchNorm1d over the last dim: (B, C), or (B, T, C) normalised over (B, T) per channel."""

    def forward(self, x):
        if x.dim() == 3:
            return super().forward(x.transpose(1, 2)).transpose(1, 2).contiguous()
        return super().forward(x)


class Residual(nn.Module):
    """x + block(x)."""

    def __init__(self, *layers):
        super().__init__()
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.block(x)


def loss_fn(logits, targets):
    return F.cross_entropy(logits, targets, ignore_index=-1)


# ----------------------------------------------------------------------------------------------
# GPT (nanoGPT's model.py; names match it). Attention is written out (no fused SDPA), with dropout
# on the probabilities (attn_dropout) and after c_proj (resid_dropout) as nanoGPT; `bias` switches
# Linear biases only (LayerNorms keep theirs).


def murmur3_32(seed, i):
    """MurmurHash3_x86_32 of the 4-byte little-endian key i (wasmore's assembly/mask.ts)."""
    M = 0xFFFFFFFF
    rotl = lambda x, r: ((x << r) | (x >> (32 - r))) & M
    k = rotl((i * 0xCC9E2D51) & M, 15) * 0x1B873593 & M
    h = (rotl(seed ^ k, 13) * 5 + 0xE6546B64) & M
    h ^= 4
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M
    return h ^ (h >> 16)


class HashDropout(nn.Module):
    """Dropout with wasmore's mask instead of torch's generator: element i (row-major index) of the
    input is kept when (murmur3_32(seed, i) >> 8)·2⁻²⁴ ≥ p (in float32), and kept ones are scaled by
    the float32 1/(1 − p). For fixtures: the same masks as a wasmore layer drawing `seed`."""

    def __init__(self, p, seed):
        super().__init__()
        self.p, self.seed = p, seed

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        p32 = np.float32(self.p)
        keep = np.float32(1) / (np.float32(1) - p32)
        u = np.array([murmur3_32(self.seed, i) >> 8 for i in range(x.numel())], dtype=np.float32) * np.float32(2 ** -24)
        mask = torch.from_numpy(np.where(u >= p32, keep, np.float32(0)).astype(np.float32)).view(x.shape)
        return x * mask


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, bias=True, dropout=0.0):
        super().__init__()
        assert n_embd % n_head == 0
        self.n_head = n_head
        self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=bias)
        self.c_proj = nn.Linear(n_embd, n_embd, bias=bias)
        self.attn_dropout = nn.Dropout(dropout)
        self.resid_dropout = nn.Dropout(dropout)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))  # (B, nh, T, hs)
        att = (q @ k.transpose(-2, -1)) * (1.0 / (C // self.n_head) ** 0.5)
        causal = torch.ones(T, T, dtype=torch.bool).tril()
        att = self.attn_dropout(F.softmax(att.masked_fill(~causal, float("-inf")), dim=-1))
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, n_embd, bias=True, dropout=0.0):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd, bias=bias)
        self.gelu = nn.GELU(approximate="none")
        self.c_proj = nn.Linear(4 * n_embd, n_embd, bias=bias)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, bias=True, dropout=0.0):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, bias, dropout)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = MLP(n_embd, bias, dropout)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """(B, T) token ids -> logits (B, T, V). cfg: vocab_size, block_size, n_layer, n_head, n_embd,
    dropout, bias, tied (lm_head.weight is transformer.wte.weight)."""

    def __init__(self, cfg):
        super().__init__()
        C = cfg["n_embd"]
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(cfg["vocab_size"], C),
            wpe=nn.Embedding(cfg["block_size"], C),
            drop=nn.Dropout(cfg["dropout"]),
            h=nn.ModuleList([Block(C, cfg["n_head"], cfg["bias"], cfg["dropout"]) for _ in range(cfg["n_layer"])]),
            ln_f=nn.LayerNorm(C),
        ))
        self.lm_head = nn.Linear(C, cfg["vocab_size"], bias=False)
        if cfg["tied"]:
            self.transformer.wte.weight = self.lm_head.weight
        self.apply(self._init_weights)  # nanoGPT's initialisation
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / (2 * cfg["n_layer"]) ** 0.5)

    @staticmethod
    def _init_weights(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def forward(self, idx):
        T = idx.shape[1]
        t = self.transformer
        x = t.drop(t.wte(idx) + t.wpe(torch.arange(T)))
        for block in t.h:
            x = block(x)
        return self.lm_head(t.ln_f(x))


def file_words(path):
    """The names of `path` (one a line, stripped, blank lines dropped) in file order. A missing,
    unreadable or empty file exits with a one-line message."""
    try:
        with open(path, encoding="utf-8") as f:
            words = [w.strip() for w in f if w.strip()]
    except (OSError, UnicodeDecodeError) as e:
        sys.exit(f"{path}: cannot read names ({e.__class__.__name__}: {e})")
    if not words:
        sys.exit(f"{path}: no names in the file")
    return words


def lecture_words(path):
    """The names of `path` in the lectures' order — Python random.seed(42) shuffle — and stoi
    (letters from 1; '.' = 0 is the boundary). Splits: first 80% train, next 10% val, rest test."""
    words = file_words(path)
    stoi = {ch: i + 1 for i, ch in enumerate(sorted(set("".join(words))))}
    random.seed(42)
    random.shuffle(words)
    return words, stoi


def padded_sequences(words, stoi, block_size):
    """makemore's CharDataset: per name X = [0, c1..cn, 0, ...], Y = [c1..cn, 0, -1, ...] (long)."""
    X = torch.zeros(len(words), block_size, dtype=torch.long)
    Y = torch.full((len(words), block_size), -1, dtype=torch.long)
    for i, w in enumerate(words):
        ids = torch.tensor([stoi[ch] for ch in w], dtype=torch.long)
        X[i, 1 : 1 + len(w)] = ids
        Y[i, : len(w)] = ids
        Y[i, len(w)] = 0
    return X, Y


def gpt_loss(logits, targets):
    return loss_fn(logits.view(-1, logits.shape[-1]), targets.reshape(-1))


# ----------------------------------------------------------------------------------------------
# Models. config keys: vocab_size, block_size, n_embd, n_hidden.

FULL_CONFIGS = {
    "nbigram": {"vocab_size": 27},
    "mlp": {"vocab_size": 27, "block_size": 3, "n_embd": 10, "n_hidden": 200},
    "bnmlp": {"vocab_size": 27, "block_size": 3, "n_embd": 10, "n_hidden": 200},
    "wavenet": {"vocab_size": 27, "block_size": 8, "n_embd": 24, "n_hidden": 128},
}
FULL_PARAM_COUNTS = {"nbigram": 729, "mlp": 11897, "bnmlp": 12097, "wavenet": 76579}


def build_model(model, cfg):
    V = cfg["vocab_size"]
    if model == "nbigram":  # logits = W[x]: a V×V table, state-dict name "0.weight"
        return nn.Sequential(nn.Embedding(V, V))
    if model == "gpt":
        return GPT(cfg)
    T, C, H = cfg["block_size"], cfg["n_embd"], cfg["n_hidden"]
    if model == "mlp":
        return nn.Sequential(nn.Embedding(V, C), FlattenConsecutive(T), nn.Linear(T * C, H), nn.Tanh(), nn.Linear(H, V))
    if model == "bnmlp":
        return nn.Sequential(
            nn.Embedding(V, C), FlattenConsecutive(T), nn.Linear(T * C, H, bias=False), BatchNorm1d(H), nn.Tanh(),
            nn.Linear(H, V),
        )
    if model == "wavenet":
        layers, width, t = [nn.Embedding(V, C)], C, T
        while t > 1:  # one level per halving of the context
            layers += [FlattenConsecutive(2), nn.Linear(2 * width, H, bias=False), BatchNorm1d(H), nn.Tanh()]
            width, t = H, t // 2
        return nn.Sequential(*layers, nn.Linear(H, V))
    raise ValueError(f"unknown model {model!r}")


def param_count(module):
    return sum(p.numel() for p in module.parameters())


def tied_aliases(module):
    """state_dict names of a parameter already named earlier (a tied lm_head.weight): wasmore stores
    a tied tensor once, under its first name (as named_parameters() lists it)."""
    first = {id(p): name for name, p in module.named_parameters()}
    return {k for k, v in module.state_dict(keep_vars=True).items()
            if isinstance(v, nn.Parameter) and first.get(id(v), k) != k}


def load_wasmore_checkpoint(path, model, prefix=""):
    """Load a wasmore safetensors checkpoint (state_dict names, F32) into `model`.

    Every parameter and running stat must be present (num_batches_tracked may be absent) and
    nothing else may be; names may carry `prefix` (e.g. "param."). Returns the file's metadata."""
    metadata, tensors = read_safetensors(path)
    state = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
    missing, unexpected = model.load_state_dict(state, strict=False)
    aliases = tied_aliases(model)
    missing = [k for k in missing if not k.endswith("num_batches_tracked") and k not in aliases]
    if missing or unexpected:
        raise ValueError(f"{path}: missing {missing}, unexpected {unexpected}")
    return metadata


# ----------------------------------------------------------------------------------------------
# Fixtures.


def seed_for(name):
    torch.manual_seed(zlib.crc32(name.encode()))


def state_tensors(module):
    """state_dict entries that wasmore stores: parameters (tied ones once) and running stats (no num_batches_tracked)."""
    aliases = tied_aliases(module)
    return [(k, v.detach().clone()) for k, v in module.state_dict().items()
            if not k.endswith("num_batches_tracked") and k not in aliases]


def running_stat_names(module):
    return [k for k in module.state_dict() if k.endswith("running_mean") or k.endswith("running_var")]


def perturb_batchnorms(module):
    """Give BatchNorm non-default affine params and running stats so every term is exercised."""
    for m in module.modules():
        if isinstance(m, nn.BatchNorm1d):
            with torch.no_grad():
                m.weight.copy_(1 + 0.2 * torch.randn_like(m.weight))
                m.bias.copy_(0.2 * torch.randn_like(m.bias))
                m.running_mean.copy_(0.3 * torch.randn_like(m.running_mean))
                m.running_var.copy_(0.5 + torch.rand_like(m.running_var))


def layer_fixture(name, kind, make, make_x, cfg, mode="train"):
    """Write test/fixtures/layer-<name>.safetensors for out = module(x), loss = sum(out * dout)."""
    seed_for(name)
    module = make()
    perturb_batchnorms(module)
    module.train(mode == "train")
    before = state_tensors(module)
    x = make_x()
    float_input = x.dtype == torch.float32
    if float_input:
        x.requires_grad_()
    out = module(x)
    dout = torch.randn(out.shape)
    (out * dout).sum().backward()
    tensors = [("x", x.int() if not float_input else x)]
    tensors += [("param." + k, v) for k, v in before]
    tensors += [("dout", dout), ("out", out)]
    if float_input:
        tensors.append(("grad.x", x.grad))
    tensors += [("grad.param." + k, p.grad) for k, p in module.named_parameters()]
    if mode == "train":
        state = module.state_dict()
        tensors += [("after." + k, state[k]) for k in running_stat_names(module)]
    metadata = {"kind": "layer", "layer": kind, "config": compact(cfg), "mode": mode,
                "loss": "sum(out * dout)", "generator": GENERATOR}
    write_safetensors(os.path.join(FIXTURES, f"layer-{name}.safetensors"), tensors, metadata)


def loss_fixture():
    seed_for("loss")
    B, V = 6, 7
    logits = (2 * torch.randn(B, V)).requires_grad_()
    targets = torch.randint(0, V, (B,))
    targets[2] = -1
    loss = loss_fn(logits, targets)
    loss.backward()
    tensors = [("logits", logits), ("targets", targets.int()), ("loss", loss), ("grad.logits", logits.grad)]
    metadata = {"kind": "layer", "layer": "cross_entropy", "config": compact({"ignore_index": -1, "reduction": "mean"}),
                "generator": GENERATOR}
    write_safetensors(os.path.join(FIXTURES, "layer-loss.safetensors"), tensors, metadata)


def layer_fixtures():
    r = torch.randn
    layer_fixture("linear", "linear", lambda: nn.Linear(5, 3), lambda: r(4, 5), {"in": 5, "out": 3, "bias": True})
    layer_fixture("linear-nobias", "linear", lambda: nn.Linear(6, 4, bias=False), lambda: r(4, 2, 6),
                  {"in": 6, "out": 4, "bias": False})
    layer_fixture("embedding", "embedding", lambda: nn.Embedding(7, 5), lambda: torch.randint(0, 7, (4, 3)),
                  {"num": 7, "dim": 5})  # 12 draws from 7 rows: indices repeat
    for mode in ("train", "eval"):
        layer_fixture(f"batchnorm-2d-{mode}", "batchnorm1d", lambda: BatchNorm1d(6), lambda: 1 + 2 * r(8, 6),
                      {"dim": 6, "eps": 1e-5, "momentum": 0.1}, mode)
        layer_fixture(f"batchnorm-3d-{mode}", "batchnorm1d", lambda: BatchNorm1d(5), lambda: 1 + 2 * r(4, 3, 5),
                      {"dim": 5, "eps": 1e-5, "momentum": 0.1}, mode)
    layer_fixture("tanh", "tanh", nn.Tanh, lambda: 2 * r(4, 7), {})
    layer_fixture("gelu", "gelu", lambda: nn.GELU(approximate="none"), lambda: 3 * r(4, 7), {"approximate": "none"})
    layer_fixture("gelu-tanh", "gelu", lambda: nn.GELU(approximate="tanh"), lambda: 3 * r(4, 7), {"approximate": "tanh"})

    def layernorm():
        m = nn.LayerNorm(8)
        with torch.no_grad():
            m.weight.copy_(1 + 0.2 * torch.randn(8))
            m.bias.copy_(0.2 * torch.randn(8))
        return m

    layer_fixture("layernorm", "layernorm", layernorm, lambda: 1 + 2 * r(4, 3, 8), {"dim": 8, "eps": 1e-5})
    layer_fixture("flatten-consecutive", "flatten_consecutive", lambda: FlattenConsecutive(2), lambda: r(4, 8, 3),
                  {"n": 2})
    layer_fixture("flatten-consecutive-squeeze", "flatten_consecutive", lambda: FlattenConsecutive(3),
                  lambda: r(4, 3, 5), {"n": 3})
    layer_fixture("residual", "residual", lambda: Residual(nn.Linear(6, 6), nn.Tanh()), lambda: r(4, 6),
                  {"block": ["linear(6,6)", "tanh"]})
    loss_fixture()
    gpt_layer_fixtures()


def perturb_gpt(module):
    """Weights far from nanoGPT's tiny init, so attention is not uniform and every term counts."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            is_norm = any(isinstance(m, nn.LayerNorm) and m.weight is p for m in module.modules())
            if is_norm:
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif p.dim() == 1:
                p.copy_(0.1 * torch.randn_like(p))
            else:
                p.copy_(0.3 * torch.randn_like(p))


def gpt_layer_fixtures():
    r = torch.randn

    def perturbed(make):
        def build():
            m = make()
            perturb_gpt(m)
            return m
        return build

    # hs = 5 (not a multiple of 4), odd T
    layer_fixture("attention", "causal_self_attention", perturbed(lambda: CausalSelfAttention(10, 2)),
                  lambda: r(3, 7, 10), {"n_embd": 10, "n_head": 2, "bias": True})
    layer_fixture("block", "block", perturbed(lambda: Block(16, 2)), lambda: r(2, 8, 16),
                  {"n_embd": 16, "n_head": 2, "bias": True})

    def attention_with_dropout():
        # both dropouts draw seed 1, as wasmore's fixture harness hands every layer
        m = perturbed(lambda: CausalSelfAttention(10, 2, dropout=0.25))()
        m.attn_dropout, m.resid_dropout = HashDropout(0.25, 1), HashDropout(0.25, 1)
        return m

    layer_fixture("attention-dropout", "causal_self_attention", attention_with_dropout,
                  lambda: r(3, 7, 10), {"n_embd": 10, "n_head": 2, "bias": True, "dropout": 0.25})


def gpt_fixture(name, cfg, B=4):
    """Write test/fixtures/model-<name>.safetensors: logits (B,T,V), loss over B·T rows, gradients."""
    seed_for("model-" + name)
    net = GPT(cfg)
    perturb_gpt(net)
    T, V = cfg["block_size"], cfg["vocab_size"]
    x = torch.randint(0, V, (B, T))
    y = torch.randint(0, V, (B, T))
    y[0, :3] = -1  # ignored targets (as padding would be)
    y[2, 5] = -1
    before = state_tensors(net)
    net.train()
    logits = net(x)
    loss = gpt_loss(logits, y)
    loss.backward()
    tensors = [("x", x.int()), ("y", y.int())]
    tensors += [("param." + k, v) for k, v in before]
    tensors += [("logits", logits), ("loss", loss)]
    tensors += [("grad.param." + k, p.grad) for k, p in net.named_parameters()]
    with torch.no_grad():
        net.eval()
        eval_logits = net(x)
        tensors += [("eval.logits", eval_logits), ("eval.loss", gpt_loss(eval_logits, y))]
    metadata = {"kind": "model", "model": "gpt", "config": compact(cfg), "param_count": str(param_count(net)),
                "batch_size": str(B), "generator": GENERATOR}
    write_safetensors(os.path.join(FIXTURES, f"model-{name}.safetensors"), tensors, metadata)
    return net


def model_fixture(model, cfg, B=8):
    """Write test/fixtures/model-<model>.safetensors: one training forward/backward (and eval forward)."""
    seed_for("model-" + model)
    net = build_model(model, cfg)
    perturb_batchnorms(net)
    V = cfg["vocab_size"]
    x = torch.randint(0, V, (B,) if model == "nbigram" else (B, cfg["block_size"]))
    y = torch.randint(0, V, (B,))
    before = state_tensors(net)

    net_eval = copy.deepcopy(net).eval()
    with torch.no_grad():
        eval_logits = net_eval(x)
        eval_loss = loss_fn(eval_logits, y)

    net.train()
    logits = net(x)
    loss = loss_fn(logits, y)
    loss.backward()

    tensors = [("x", x.int()), ("y", y.int())]
    tensors += [("param." + k, v) for k, v in before]
    tensors += [("logits", logits), ("loss", loss)]
    tensors += [("grad.param." + k, p.grad) for k, p in net.named_parameters()]
    state = net.state_dict()
    tensors += [("after." + k, state[k]) for k in running_stat_names(net)]
    tensors += [("eval.logits", eval_logits), ("eval.loss", eval_loss)]
    metadata = {"kind": "model", "model": model, "config": compact(cfg), "param_count": str(param_count(net)),
                "batch_size": str(B), "generator": GENERATOR}
    write_safetensors(os.path.join(FIXTURES, f"model-{model}.safetensors"), tensors, metadata)
    return net


def layout_fixture():
    """A tiny file whose bytes test/safetensors.test.ts reproduces exactly (same tensors, same order)."""
    tensors = [
        ("z.weight", torch.tensor([[-1.0, -0.5, 0.0], [0.5, 1.5, 3.25]], dtype=torch.float32)),
        ("a.idx", torch.tensor([0, -1, 2147483647, -2147483648], dtype=torch.int32)),
        ("big", torch.tensor([-(2**40), 2**33 + 1], dtype=torch.int64)),
        ("scalar", torch.tensor(0.1, dtype=torch.float32)),
        ("empty", torch.zeros(0, 3, dtype=torch.float32)),
    ]
    write_safetensors(os.path.join(FIXTURES, "layout.safetensors"), tensors,
                      {"format": "pt", "note": "wasmore layout fixture"})


def check_loader(model, cfg, net):
    """Round trip a checkpoint through write_safetensors / load_wasmore_checkpoint (not kept)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "ckpt.safetensors")
        write_safetensors(path, state_tensors(net), {"model": model, "config": compact(cfg)})
        fresh = build_model(model, cfg)
        load_wasmore_checkpoint(path, fresh)
        for (k, a), (_, b) in zip(state_tensors(net), state_tensors(fresh)):
            assert torch.equal(a, b), k


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    for model, cfg in FULL_CONFIGS.items():
        n = param_count(build_model(model, cfg))
        assert n == FULL_PARAM_COUNTS[model], (model, n)
    os.makedirs(FIXTURES, exist_ok=True)
    layout_fixture()
    layer_fixtures()
    small_wavenet = {"vocab_size": 27, "block_size": 8, "n_embd": 6, "n_hidden": 16}
    for model, cfg in [("nbigram", FULL_CONFIGS["nbigram"]), ("mlp", FULL_CONFIGS["mlp"]),
                       ("bnmlp", FULL_CONFIGS["bnmlp"]), ("wavenet", small_wavenet)]:
        net = model_fixture(model, cfg)
        check_loader(model, cfg, net)
    tiny_gpt = {"vocab_size": 27, "block_size": 8, "n_layer": 2, "n_head": 2, "n_embd": 16, "dropout": 0.0,
                "bias": True, "tied": True}
    for name, cfg in [("gpt", tiny_gpt), ("gpt-untied", {**tiny_gpt, "tied": False})]:
        net = gpt_fixture(name, cfg)
        check_loader("gpt", cfg, net)
    print(f"wrote fixtures to {FIXTURES}")


def load_main(args):
    path = args[0]
    metadata, _ = read_safetensors(path)
    model = args[1] if len(args) > 1 else metadata["model"]
    cfg = json.loads(args[2]) if len(args) > 2 else json.loads(metadata.get("config", "{}"))
    net = build_model(model, {**FULL_CONFIGS.get(model, {}), **cfg})
    load_wasmore_checkpoint(path, net)
    print(f"ok: loaded {path} into {model} ({param_count(net)} params)")
    return net


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "load":
        load_main(sys.argv[2:])
    else:
        main()
