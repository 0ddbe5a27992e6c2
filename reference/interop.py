"""Moving models between wasmore and PyTorch, both ways (run with /usr/bin/python3).

  interop.py load CKPT [--input X.json]   load a wasmore checkpoint into the matching nn.Module,
                                          print JSON {params, logits} for the given (or a fixed) batch
  interop.py export OUT [PRESET]          write a PyTorch-initialised model as a wasmore checkpoint

The modules are those of torch_reference.py, built from wasmore's own config (the checkpoint's
__metadata__["config"]), so the state-dict names are the same on both sides.
"""
import json
import sys

import torch
import torch.nn as nn

from torch_reference import GPT, BatchNorm1d, FlattenConsecutive, Residual, load_wasmore_checkpoint, read_safetensors, write_safetensors

FORMAT = "wasmore/1"


def build_from_config(cfg):
    """The nn.Module equivalent of src/models/networks.ts buildNetwork(cfg)."""
    V = cfg["vocabSize"]
    if cfg["type"] == "nbigram":
        return nn.Sequential(nn.Embedding(V, V))
    if cfg["type"] == "gpt":  # src/models/gpt.ts: nanoGPT's module names
        return GPT({"vocab_size": V, "block_size": cfg["blockSize"], "n_layer": cfg["nLayer"], "n_head": cfg["nHead"],
                    "n_embd": cfg["nEmbd"], "dropout": cfg["dropout"], "bias": cfg["bias"], "tied": cfg["tied"]})
    T, C, H = cfg["blockSize"], cfg["nEmbd"], cfg["nHidden"]
    if cfg["type"] == "mlp":
        if not cfg["batchnorm"]:
            return nn.Sequential(nn.Embedding(V, C), FlattenConsecutive(T), nn.Linear(T * C, H), nn.Tanh(), nn.Linear(H, V))
        return nn.Sequential(nn.Embedding(V, C), FlattenConsecutive(T), nn.Linear(T * C, H, bias=False), BatchNorm1d(H), nn.Tanh(), nn.Linear(H, V))
    if cfg["type"] == "wavenet":
        act = (lambda: nn.GELU()) if cfg["activation"] == "gelu" else (lambda: nn.Tanh())
        layers, width, t, shared = [nn.Embedding(V, C)], C, T, None
        while t > 1:
            fusion = shared if shared is not None else nn.Linear(2 * width, H, bias=False)
            if cfg.get("sharedFusion"):
                shared = fusion
            layers += [FlattenConsecutive(2), fusion, BatchNorm1d(H), act()]
            if cfg["dropout"] > 0:
                layers.append(nn.Dropout(cfg["dropout"]))
            for _ in range(cfg["residualBlocks"]):
                layers.append(Residual(nn.Linear(H, H, bias=False), BatchNorm1d(H), act()))
            width, t = H, t // 2
        return nn.Sequential(*layers, nn.Linear(H, V))
    raise ValueError(f"no PyTorch twin for model type {cfg['type']!r}")


def load(path, batch=None):
    metadata, _ = read_safetensors(path)
    if metadata.get("format") != FORMAT:
        raise SystemExit(f"{path}: not a wasmore checkpoint")
    cfg = json.loads(metadata["config"])
    net = build_from_config(cfg)
    load_wasmore_checkpoint(path, net)
    net.eval()
    T = cfg.get("blockSize", 1)
    if batch is None:
        g = torch.Generator().manual_seed(0)
        batch = torch.randint(0, cfg["vocabSize"], (4, T), generator=g).tolist()
    x = torch.tensor(batch, dtype=torch.long)
    if cfg["type"] == "nbigram":
        x = x[:, 0]
    with torch.no_grad():
        logits = net(x)
    return {"params": sum(p.numel() for p in net.parameters()), "input": batch, "logits": logits.reshape(len(batch), -1).tolist()}


def export(out, preset="bnmlp"):
    """A PyTorch-initialised model (seed 0, default init) written as a wasmore checkpoint."""
    chars = list(".abcdefghijklmnopqrstuvwxyz")
    configs = {
        "bnmlp": {"type": "mlp", "vocabSize": 27, "blockSize": 3, "nEmbd": 10, "nHidden": 200, "batchnorm": True},
        "wavenet": {"type": "wavenet", "vocabSize": 27, "blockSize": 8, "nEmbd": 24, "nHidden": 128, "activation": "tanh",
                    "residualBlocks": 0, "dropout": 0, "sharedFusion": False},
    }
    cfg = configs[preset]
    torch.manual_seed(0)
    net = build_from_config(cfg)
    for m in net.modules():  # non-trivial running statistics, as after training
        if isinstance(m, nn.BatchNorm1d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    state = [(k, v) for k, v in net.state_dict().items()]
    meta = {"format": FORMAT, "preset": preset, "config": json.dumps(cfg), "vocab": json.dumps({"chars": chars, "boundary": True}),
            "step": "0", "data": "written by PyTorch (reference/interop.py)"}
    write_safetensors(out, state, meta)
    return net


if __name__ == "__main__":
    torch.set_num_threads(1)
    if len(sys.argv) >= 3 and sys.argv[1] == "load":
        batch = json.load(open(sys.argv[4])) if len(sys.argv) > 4 and sys.argv[3] == "--input" else None
        print(json.dumps(load(sys.argv[2], batch)))
    elif len(sys.argv) >= 3 and sys.argv[1] == "export":
        export(sys.argv[2], *(sys.argv[3:4]))
        print(json.dumps(load(sys.argv[2])))
    else:
        raise SystemExit(__doc__)
