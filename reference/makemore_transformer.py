#!/usr/bin/env python3
"""makemore's Transformer, with makemore's recipe, on the lectures' split of names.txt (or on
makemore's own split): the baseline the GPT preset is compared with on the same split (makemore
reports test ≈ 1.92 on its own split, which trains on 31,032 names and tests on 1,000).

    /usr/bin/python3 reference/makemore_transformer.py ../shared/data/names.txt [--steps 50000] [--eval-every 1000]
        [--split lectures|makemore]

The model follows makemore.py (Karpathy, MIT): token + position embeddings, n_layer pre-LayerNorm
blocks of causal self-attention (fused c_attn, biases on) and an MLP with the tanh GELU, final
LayerNorm, lm_head without bias (not tied); PyTorch's default initialisation; block_size = longest
name + 1 = 16; n_layer 4, n_head 4, n_embd 64. The recipe is makemore's: AdamW lr 5e-4, weight decay
0.01, betas (0.9, 0.99), eps 1e-8, batch 32, constant learning rate, no dropout. Data: makemore's
CharDataset (X = [0, c1..cn, 0, ...], Y = [c1..cn, 0, -1, ...]) over the lectures' split (Python
random.seed(42) shuffle, 80/10/10). Every --eval-every steps it evaluates the whole val and test
splits (mean cross-entropy over counted positions, as wasmore's evaluate) and prints a JSON line;
the last line reports the step with the best validation loss and its test loss. One thread.

--split makemore is makemore.py's create_datasets: the names in file order, torch.manual_seed(seed)
then torch.randperm; the last 1,000 are the test set, the rest train. makemore has no validation
split and keeps the model with the best test loss, so here "val" is that test set and "best"
selects on it, as makemore does.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import file_words, lecture_words, padded_sequences  # noqa: E402


class NewGELU(nn.Module):
    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.register_buffer("bias", torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size))
        self.n_head, self.n_embd = n_head, n_embd

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = F.softmax(att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf")), dim=-1)
        return self.c_proj((att @ v).transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), NewGELU(), nn.Linear(4 * n_embd, n_embd))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer=4, n_head=4, n_embd=64):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.h = nn.ModuleList([Block(n_embd, n_head, block_size) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.size(1)))
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def splits(path, split):
    """vocabulary size, block size (longest name + 1) and (X, Y) of the train, val and test names."""
    words, stoi = lecture_words(path)
    block_size = max(len(w) for w in words) + 1
    if split == "makemore":
        words = file_words(path)
        test_size = min(1000, int(len(words) * 0.1))
        rp = torch.randperm(len(words)).tolist()
        test = [words[i] for i in rp[-test_size:]]
        parts = ([words[i] for i in rp[:-test_size]], test, test)
    else:
        n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
        parts = (words[:n1], words[n1:n2], words[n2:])
    return len(stoi) + 1, block_size, *(padded_sequences(p, stoi, block_size) for p in parts)


@torch.no_grad()
def evaluate(model, X, Y, batch=1000):
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(X), batch):
        logits = model(X[i : i + batch])
        y = Y[i : i + batch]
        total += F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1), ignore_index=-1, reduction="sum").item()
        count += (y >= 0).sum().item()
    model.train()
    return total / count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--steps", type=int, default=50_000)
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=3407)  # makemore's default
    ap.add_argument("--split", choices=["lectures", "makemore"], default="lectures")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    vocab, block_size, (Xtr, Ytr), (Xva, Yva), (Xte, Yte) = splits(args.data, args.split)
    model = Transformer(vocab, block_size)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01, betas=(0.9, 0.99), eps=1e-8)
    params = sum(p.numel() for p in model.parameters())
    best = None
    t0 = time.perf_counter()
    for step in range(1, args.steps + 1):
        ix = torch.randint(0, len(Xtr), (32,))
        logits = model(Xtr[ix])
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), Ytr[ix].view(-1), ignore_index=-1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % args.eval_every == 0 or step == args.steps:
            row = {"step": step, "val_loss": evaluate(model, Xva, Yva), "test_loss": evaluate(model, Xte, Yte),
                   "seconds": time.perf_counter() - t0}
            print(json.dumps(row), flush=True)
            if best is None or row["val_loss"] < best["val_loss"]:
                best = row
    print(json.dumps({"params": params, "torch": torch.__version__, "best": best}), flush=True)


if __name__ == "__main__":
    main()
