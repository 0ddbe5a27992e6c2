#!/usr/bin/env python3
"""PyTorch side of `wasmore bench train`: training steps/s of the same models, one thread, batch 32.

    /usr/bin/python3 reference/bench_torch.py [--models mlp,bnmlp,wavenet] [--seconds 3 | --steps N] [--data names.txt]

A step is a full training step: sample a minibatch (torch.randint), zero_grad, forward, cross-entropy,
backward, SGD step (lr 0.1), loss.item(). Models are torch_reference.build_model (nn.Sequential,
the lecture configurations). Timing matches src/bench/train.ts: warm up (40% of the time, or
`steps` steps), then 5 samples; the median of their steps/s is reported. Prints one JSON object:
{"torch", "blas", "threads", "rows": [{"model", "steps_per_sec", "ms_per_step"}]}.
"blas" is the BLAS library actually loaded (from /proc/self/maps): Debian's python3-torch uses the
reference BLAS unless libopenblas0-pthread is installed, which switches it to OpenBLAS.
"""
import argparse
import ctypes
import json
import os
import random
import statistics
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import FULL_CONFIGS, build_model  # noqa: E402

SAMPLES = 5
BATCH = 32


def names_examples(path, block_size):
    """The lecture pipeline: '.'-bounded vocabulary, random.seed(42) shuffle, first 80% as training contexts."""
    with open(path, encoding="utf-8") as f:
        words = [w.strip() for w in f if w.strip()]
    stoi = {ch: i + 1 for i, ch in enumerate(sorted(set("".join(words))))}
    stoi["."] = 0
    random.seed(42)
    random.shuffle(words)
    X, Y = [], []
    for w in words[: int(0.8 * len(words))]:
        context = [0] * block_size
        for ch in w + ".":
            X.append(context)
            Y.append(stoi[ch])
            context = context[1:] + [stoi[ch]]
    return torch.tensor(X), torch.tensor(Y), len(stoi)


def synthetic_examples(block_size, count=182_625, vocab=27):
    g = torch.Generator().manual_seed(12345)
    return torch.randint(0, vocab, (count, block_size), generator=g), torch.randint(0, vocab, (count,), generator=g), vocab


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
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    rows = [bench_model(m, args) for m in args.models.split(",") if m]
    print(json.dumps({"torch": torch.__version__, "blas": loaded_blas(), "threads": torch.get_num_threads(), "rows": rows}))


if __name__ == "__main__":
    main()
