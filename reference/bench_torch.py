#!/usr/bin/env python3
"""PyTorch side of `wasmore bench train`: training steps/s of the same models, one thread.

    /usr/bin/python3 reference/bench_torch.py [--models mlp,bnmlp,wavenet] [--seconds 3 | --steps N] [--data names.txt]
        [--gpt '{"gpt": {...}}'] [--text tinyshakespeare.txt]

A step is a full training step: sample a minibatch (torch.randint), zero_grad, forward, cross-entropy,
backward, optimiser step, loss.item(). The lecture models are torch_reference.build_model (nn.Sequential,
the lecture configurations) at batch 32 with SGD (lr 0.1). A GPT (torch_reference.GPT) is built from the
spec src/bench/train.ts passes in --gpt, one entry per model: {"cfg": build_model's snake_case config,
"batch", "data": "names" | "text", "lr", "betas", "eps", "weight_decay", "grad_clip"}; its step is AdamW
(weight decay on the ≥2-D parameters, as wasmore and nanoGPT; constant lr) after clipping the gradient
norm, with the config's dropout active. Its data: one padded sequence per training name (makemore's
CharDataset: X = [0, c1..cn, 0, …], Y = [c1..cn, 0, -1, …]), or random windows of the first 90% of the
text, or synthetic ids when no file is given. Timing matches src/bench/train.ts: warm up (40% of the time, or
`steps` steps), then 5 samples; the median of their steps/s is reported. Prints one JSON object:
{"torch", "blas", "threads", "rows": [{"model", "steps_per_sec", "ms_per_step"}]}.
"blas" is the BLAS library actually loaded (from /proc/self/maps): Debian's python3-torch uses the
reference BLAS unless libopenblas0-pthread is installed, which switches it to OpenBLAS.
"""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import FULL_CONFIGS, build_model, gpt_loss, lecture_words, padded_sequences  # noqa: E402

SAMPLES = 5
BATCH = 32


def names_examples(path, block_size):
    """The lecture pipeline: '.'-bounded vocabulary, the lectures' shuffle, first 80% as training contexts."""
    words, stoi = lecture_words(path)
    stoi["."] = 0
    X, Y = [], []
    for w in words[: int(0.8 * len(words))]:
        context = [0] * block_size
        for ch in w + ".":
            X.append(context)
            Y.append(stoi[ch])
            context = context[1:] + [stoi[ch]]
    return torch.tensor(X), torch.tensor(Y), len(stoi)


def synthetic_examples(block_size, count=182_625, vocab=27, targets=1):
    g = torch.Generator().manual_seed(12345)
    X = torch.randint(0, vocab, (count, block_size), generator=g)
    Y = torch.randint(0, vocab, (count, targets) if targets > 1 else (count,), generator=g)
    return X, Y, vocab


def names_sequences(path, block_size):
    """makemore's CharDataset over the lecture split's training names: X = [0, c1..cn, 0, ...], Y = [c1..cn, 0, -1, ...]."""
    words, stoi = lecture_words(path)
    return padded_sequences(words[: int(0.8 * len(words))], stoi, block_size)


def text_windows(path, block_size, synthetic_vocab=65, synthetic_tokens=1_003_854):
    """Every (block_size + 1)-window of the first 90% of the text (nanoGPT's split), or of synthetic ids."""
    if path:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        stoi = {ch: i for i, ch in enumerate(sorted(set(text)))}
        tokens = torch.tensor([stoi[ch] for ch in text], dtype=torch.long)
        tokens = tokens[: int(0.9 * len(tokens))]
    else:
        tokens = torch.randint(0, synthetic_vocab, (synthetic_tokens,), generator=torch.Generator().manual_seed(12345))
    return tokens.unfold(0, block_size + 1, 1)  # a view: (n - block_size, block_size + 1)


def measure(step, steps=None, seconds=3.0):
    rates = []
    if steps is not None:
        n = max(1, -(-steps // SAMPLES))
        for _ in range(steps):
            step()
        for _ in range(SAMPLES):
            t0 = time.perf_counter()
            for _ in range(n):
                step()
            rates.append(n / (time.perf_counter() - t0))
    else:
        t0, i = time.perf_counter(), 0
        while i < 3 or time.perf_counter() - t0 < 0.4 * seconds:
            step()
            i += 1
        sample = 0.6 * seconds / SAMPLES
        for _ in range(SAMPLES):
            t0, n = time.perf_counter(), 0
            while True:
                step()
                n += 1
                t = time.perf_counter()
                if t - t0 >= sample:
                    break
            rates.append(n / (t - t0))
    return statistics.median(rates)


def bench_gpt(name, spec, args):
    cfg, B = spec["cfg"], spec["batch"]
    T = cfg["block_size"]
    if spec["data"] == "text":
        windows = text_windows(args.text, T)
        n = windows.shape[0]

        def sample(ix):
            w = windows[ix]
            return w[:, :T], w[:, 1:]
    else:
        X, Y = names_sequences(args.data, T) if args.data else synthetic_examples(T, vocab=cfg["vocab_size"], targets=T)[:2]
        n = X.shape[0]

        def sample(ix):
            # as wasmore trains padded names: trimmed to the batch's longest name (exact: attention is causal)
            Xb, Yb = X[ix], Y[ix]
            T_batch = int((Yb >= 0).sum(1).max())
            return Xb[:, :T_batch], Yb[:, :T_batch]

    torch.manual_seed(42)
    model = build_model("gpt", cfg)
    model.train()
    params = list(model.parameters())  # the tied weight once
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": spec["weight_decay"]},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=spec["lr"], betas=tuple(spec["betas"]), eps=spec["eps"])
    g = torch.Generator().manual_seed(42)

    def step():
        Xb, Yb = sample(torch.randint(0, n, (B,), generator=g))
        opt.zero_grad(set_to_none=True)
        loss = gpt_loss(model(Xb), Yb)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, spec["grad_clip"])
        opt.step()
        return loss.item()

    sps = measure(step, args.steps, args.seconds)
    return {"model": name, "steps_per_sec": sps, "ms_per_step": 1000.0 / sps}


def bench_model(name, args):
    cfg = dict(FULL_CONFIGS[name])
    if args.data:
        X, Y, V = names_examples(args.data, cfg["block_size"])
    else:
        X, Y, V = synthetic_examples(cfg["block_size"])
    cfg["vocab_size"] = V
    torch.manual_seed(42)
    model = build_model(name, cfg)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    g = torch.Generator().manual_seed(42)
    n = X.shape[0]

    def step():
        ix = torch.randint(0, n, (BATCH,), generator=g)
        Xb, Yb = X[ix], Y[ix]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(Xb), Yb)
        loss.backward()
        opt.step()
        return loss.item()

    sps = measure(step, args.steps, args.seconds)
    return {"model": name, "steps_per_sec": sps, "ms_per_step": 1000.0 / sps}


def loaded_blas():
    """The BLAS library mapped into this process (what libblas.so.3 resolved to), with OpenBLAS's configuration."""
    torch.ones(8, 8) @ torch.ones(8, 8)  # make sure the BLAS is loaded
    with open("/proc/self/maps") as f:
        paths = sorted({line.split()[-1] for line in f if "blas" in line.lower() and "/" in line})
    if not paths:
        return "none found in /proc/self/maps"
    blas = next((p for p in paths if os.path.basename(p).startswith("libblas")), paths[0])
    if "openblas" not in blas:
        return f"reference BLAS ({blas})" if "/blas/" in blas else blas
    try:
        lib = ctypes.CDLL(blas)
        lib.openblas_get_config.restype = ctypes.c_char_p
        return f"{lib.openblas_get_config().decode().strip()}, {lib.openblas_get_num_threads()} thread ({blas})"
    except (OSError, AttributeError):
        return f"OpenBLAS ({blas})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="mlp,bnmlp,wavenet")
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--data", default=None, help="names file (default: synthetic ids, vocabulary 27)")
    ap.add_argument("--gpt", type=json.loads, default={}, help="JSON: model name -> GPT spec (see above)")
    ap.add_argument("--text", default=None, help="text file for text GPTs (default: synthetic ids, vocabulary 65)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    rows = [bench_gpt(m, args.gpt[m], args) if m in args.gpt else bench_model(m, args) for m in args.models.split(",") if m]
    print(json.dumps({"torch": torch.__version__, "blas": loaded_blas(), "threads": torch.get_num_threads(), "rows": rows}))


if __name__ == "__main__":
    main()
