#!/usr/bin/env python3
"""PyTorch (CPU, eager, float32) reference of parc's transformer training step (dense and MoE).

Kept outside CI: it needs torch, safetensors and numpy (see docs/PERFORMANCE.md, "Training
throughput, gpt-tiny and llama-tiny, one rank (CPU)"). It implements the model families of
docs/model-format.md ("Model semantics") exactly as parc defines them:

- GPT-2 style: pre-LN blocks, LayerNorm with the model's eps, GELU in its tanh form, learned
  positions, biases, LM head tied to the token embedding, causal attention scaled by
  1/sqrt(head_dim), no dropout;
- Llama style: RMSNorm, SwiGLU, rotary embeddings in the "rotate half" layout with the model's
  theta, grouped-query attention, untied LM head;
- and any other combination of the switches (norm, activation, position, bias, tie_embeddings);
- with `[model.moe]` (docs/moe.md): the MLP of every `every`-th layer is `experts` expert MLPs of
  the model's MLP type and a router (softmax over all experts, top-k, renormalized: Hugging Face
  Mixtral), dropless or with a capacity per micro-batch (pairs take slots in token order, then
  choice order), plus the load-balancing loss of each MoE layer scaled by aux_loss_coef · E and
  averaged over the step's micro-batches.

The training step is parc's: every micro-batch contributes `sum(token losses) / (global_batch ·
seq_len)`, gradients are accumulated over the micro-batches, then the gradients are clipped with
torch.nn.utils.clip_grad_norm_ (when grad_clip is set) and the parameters are updated by
torch.optim.AdamW (or SGD) with parc's hyperparameters, every parameter decayed, at the learning
rate of parc's schedule (linear warmup from 0 over warmup_steps, then constant or a cosine down to
min_lr at decay_steps; the step is 1-based).

Weights and data are exchanged with parc through files, so both sides train the same model on the
same tokens from the same starting point:

- `prepare` writes the initial weights (a port of runtime/src/init.rs: SplitMix64 + Box-Muller by
  parameter name, GPT-2's scheme) as safetensors under parc's parameter names, weights `[in, out]`
  (the transpose of nn.Linear's), and a u32 token file holding the synthetic stream of
  runtime/src/data.rs (a port of `synthetic_sequence`) for the requested number of steps;
- `train` trains with PyTorch from such files and prints one JSON line per step;
- `check` runs `prepare`, parc (`parc launch --init --data --json`) and `train` and compares the
  per-step losses (and the final weights); it also runs parc on its own seeded initialization and
  synthetic data, which must give bit-identical losses if the two ports above are exact;
- `summarize` turns JSON step logs into tokens/s medians; `report` makes the benchmark's table from
  the logs of benches/train_vs_torch.sh;
- `gemm-flops` counts the GEMM FLOPs of one training step of a rank program (OUT/rank-0000.mlir), and
  `perf-gemm` the share of parc's step time in GEMM from a `perf record --call-graph dwarf` profile.

Usage (see benches/train_vs_torch.sh for the whole benchmark):

    python benches/torch_reference.py check examples/gpt-tiny.toml --parc target/release/parc --steps 20
    python benches/torch_reference.py prepare examples/gpt-tiny.toml --steps 220 --out /tmp/gpt
    python benches/torch_reference.py train examples/gpt-tiny.toml --init /tmp/gpt/init.safetensors \
        --data /tmp/gpt/tokens.u32 --steps 220 --threads 2 --json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# torch is imported lazily (in `train` and `check`), so that `prepare` and `summarize` work
# without it and `--threads` can be applied before torch starts its thread pools.


# ---------------------------------------------------------------------------------------------
# The model description (docs/model-format.md): the keys this script needs, defaults resolved.


@dataclass
class Config:
    name: str
    vocab: int
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    ffn: int
    seq_len: int
    norm: str
    norm_eps: float
    activation: str
    position: str
    rope_theta: float
    tie_embeddings: bool
    bias: bool
    global_batch: int
    micro_batch: int
    precision: str
    seed: int
    optimizer: str
    lr: float
    betas: tuple[float, float]
    eps: float
    weight_decay: float
    momentum: float
    grad_clip: float | None
    warmup_steps: int
    lr_schedule: str
    decay_steps: int
    min_lr: float
    moe: dict | None = None

    def is_moe_layer(self, layer: int) -> bool:
        return self.moe is not None and (layer + 1) % self.moe["every"] == 0

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    @property
    def tokens_per_step(self) -> int:
        return self.global_batch * self.seq_len


def read_config(path: str | Path) -> Config:
    path = Path(path)
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    m, t = doc["model"], doc["training"]
    o = t.get("optimizer", {})
    norm = m.get("norm", "layernorm")
    position = m.get("position", "learned")
    cfg = Config(
        name=m.get("name", path.stem),
        vocab=m["vocab"],
        hidden=m["hidden"],
        layers=m["layers"],
        heads=m["heads"],
        kv_heads=m.get("kv_heads", m["heads"]),
        ffn=m.get("ffn", 4 * m["hidden"]),
        seq_len=m["seq_len"],
        norm=norm,
        norm_eps=float(m.get("norm_eps", 1e-5 if norm == "layernorm" else 1e-6)),
        activation=m.get("activation", "gelu"),
        position=position,
        rope_theta=float(m.get("rope_theta", 10000.0)),
        tie_embeddings=m.get("tie_embeddings", position == "learned"),
        bias=m.get("bias", norm == "layernorm"),
        global_batch=t["global_batch"],
        micro_batch=t.get("micro_batch", 1),
        precision=t.get("precision", "fp32"),
        seed=t.get("seed", 0),
        optimizer=o.get("type", "adamw"),
        lr=float(o.get("lr", 3e-4)),
        betas=tuple(float(b) for b in o.get("betas", [0.9, 0.95])),
        eps=float(o.get("eps", 1e-8)),
        weight_decay=float(o.get("weight_decay", 0.0)),
        momentum=float(o.get("momentum", 0.0)),
        grad_clip=float(o["grad_clip"]) if "grad_clip" in o else None,
        warmup_steps=int(o.get("warmup_steps", 0)),
        lr_schedule=o.get("lr_schedule", "constant"),
        decay_steps=int(o.get("decay_steps", 0)),
        min_lr=float(o.get("min_lr", 0.0)),
    )
    if "moe" in m:
        e = m["moe"]
        cfg.moe = {
            "experts": e["experts"],
            "top_k": e["top_k"],
            "expert_ffn": e.get("expert_ffn", cfg.ffn),
            "every": e.get("every", 1),
            "capacity_factor": e.get("capacity_factor"),
            "aux_loss_coef": float(e.get("aux_loss_coef", 0.0)),
        }
    if cfg.precision != "fp32":
        sys.exit(f"{path}: precision = {cfg.precision!r}: this reference trains in fp32 only")
    if cfg.global_batch % cfg.micro_batch:
        sys.exit(f"{path}: global_batch is not divisible by micro_batch")
    return cfg


def param_shapes(cfg: Config) -> list[tuple[str, tuple[int, ...]]]:
    """Parameter names and shapes in parc's order (compiler/src/models/transformer.rs, param_names)."""
    h, f, v, s = cfg.hidden, cfg.ffn, cfg.vocab, cfg.seq_len
    q_dim, kv_dim = cfg.heads * cfg.head_dim, cfg.kv_heads * cfg.head_dim
    out: list[tuple[str, tuple[int, ...]]] = [("embed.tokens.weight", (v, h))]
    if cfg.position == "learned":
        out.append(("embed.positions.weight", (s, h)))

    def norm(prefix):
        out.append((f"{prefix}.weight", (h,)))
        if cfg.norm == "layernorm":
            out.append((f"{prefix}.bias", (h,)))

    def linear(prefix, i, o):
        out.append((f"{prefix}.weight", (i, o)))
        if cfg.bias:
            out.append((f"{prefix}.bias", (o,)))

    for layer in range(cfg.layers):
        p = f"layers.{layer}"
        norm(f"{p}.attn_norm")
        linear(f"{p}.attn.q", h, q_dim)
        linear(f"{p}.attn.k", h, kv_dim)
        linear(f"{p}.attn.v", h, kv_dim)
        linear(f"{p}.attn.o", q_dim, h)
        norm(f"{p}.mlp_norm")
        if cfg.is_moe_layer(layer):
            e, ef = cfg.moe["experts"], cfg.moe["expert_ffn"]
            out.append((f"{p}.moe.router.weight", (h, e)))
            for name, i, o in ([("gate", h, ef)] if cfg.activation == "swiglu" else []) + [("up", h, ef), ("down", ef, h)]:
                out.append((f"{p}.moe.experts.{name}.weight", (e, i, o)))
                if cfg.bias:
                    out.append((f"{p}.moe.experts.{name}.bias", (e, o)))
            continue
        if cfg.activation == "swiglu":
            linear(f"{p}.mlp.gate", h, f)
        linear(f"{p}.mlp.up", h, f)
        linear(f"{p}.mlp.down", f, h)
    norm("final_norm")
    if not cfg.tie_embeddings:
        out.append(("lm_head.weight", (h, v)))
    return out


# ---------------------------------------------------------------------------------------------
# Ports of runtime/src/init.rs and runtime/src/data.rs (bit-exact: checked by `check`).

MASK64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def mix64(z: int) -> int:
    z &= MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def splitmix_at(key: int, n: int) -> int:
    return mix64((key + (n + 1) * GAMMA) & MASK64)


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & MASK64
    return h


def _mix64_np(z: np.ndarray) -> np.ndarray:
    # uint64 array arithmetic wraps modulo 2^64, as Rust's wrapping_mul.
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def init_normal(seed: int, name: str, numel: int, std: np.float32) -> np.ndarray:
    """`init_param`: element pairs (2m, 2m+1) from one Box-Muller pair on draws 2m, 2m+1, in f64."""
    key = mix64(seed) ^ fnv1a64(name.encode())
    pairs = (numel + 1) // 2
    n = np.arange(1, 2 * pairs + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        draws = _mix64_np(np.uint64(key) + n * np.uint64(GAMMA))
    u = ((draws >> np.uint64(11)) + np.uint64(1)).astype(np.float64) * (1.0 / (1 << 53))
    u1, u2 = u[0::2], u[1::2]
    r = np.sqrt(-2.0 * np.log(u1))
    theta = 2.0 * math.pi * u2
    z = np.empty(2 * pairs, dtype=np.float64)
    z[0::2] = r * np.cos(theta)
    z[1::2] = r * np.sin(theta)
    return (np.float64(std) * z[:numel]).astype(np.float32)


def default_init(seed: int, name: str, shape: tuple[int, ...], n_layers: int) -> np.ndarray:
    """`default_init`: GPT-2's scheme by parameter name (`init_rule`)."""
    numel = int(np.prod(shape))
    if name.endswith("_norm.weight"):
        return np.ones(shape, np.float32)
    if name.endswith(".bias"):
        return np.zeros(shape, np.float32)
    std = np.float32(0.02)
    if name.startswith("layers.") and (name.endswith(".attn.o.weight") or name.endswith(".mlp.down.weight")):
        std = np.float32(np.float64(np.float32(0.02)) / math.sqrt(2.0 * max(1, n_layers)))
    return init_normal(seed, name, numel, std).reshape(shape)


def synthetic_sequence(seed: int, k: int, vocab: int) -> tuple[int, int]:
    key = mix64(mix64(seed) ^ k)
    start = (splitmix_at(key, 0) * vocab) >> 64
    stride = 1 + splitmix_at(key, 1) % 3
    return start, stride


def synthetic_tokens(cfg: Config, n_samples: int) -> np.ndarray:
    """The first `n_samples` samples of parc's synthetic stream as a flat token array (S+1 each)."""
    s1 = cfg.seq_len + 1
    out = np.empty((n_samples, s1), dtype=np.uint32)
    t = np.arange(s1, dtype=np.uint64)
    for k in range(n_samples):
        start, stride = synthetic_sequence(cfg.seed, k, cfg.vocab)
        out[k] = (np.uint64(start) + t * np.uint64(stride)) % np.uint64(cfg.vocab)
    return out.reshape(-1)


# ---------------------------------------------------------------------------------------------
# The model in PyTorch.


def lr_at(cfg: Config, step: int) -> float:
    """parc's `lr_schedule` at the 1-based `step` (runtime/src/cpu/kernels/optim.rs), in f64."""
    if step <= cfg.warmup_steps:
        return cfg.lr * step / cfg.warmup_steps
    if cfg.lr_schedule == "constant":
        return cfg.lr
    progress = min(1.0, (step - cfg.warmup_steps) / (cfg.decay_steps - cfg.warmup_steps))
    return cfg.min_lr + (cfg.lr - cfg.min_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))


def build_model(cfg: Config, attention: str):
    import torch
    import torch.nn.functional as F
    from torch import nn

    def make_norm():
        if cfg.norm == "layernorm":
            return nn.LayerNorm(cfg.hidden, eps=cfg.norm_eps)
        return nn.RMSNorm(cfg.hidden, eps=cfg.norm_eps)

    d, heads, kv = cfg.head_dim, cfg.heads, cfg.kv_heads
    group = heads // kv

    class ExpertLinear(nn.Module):
        """Every expert's linear layer: weight [E, in, out] (parc's layout), bias [E, out]."""

        def __init__(self, e, i, o):
            super().__init__()
            self.weight = nn.Parameter(torch.zeros(e, i, o))
            self.bias = nn.Parameter(torch.zeros(e, o)) if cfg.bias else None

        def forward(self, x, expert):
            y = x @ self.weight[expert]
            return y + self.bias[expert] if self.bias is not None else y

    class Experts(nn.Module):
        def __init__(self, e, h, ef):
            super().__init__()
            if cfg.activation == "swiglu":
                self.gate = ExpertLinear(e, h, ef)
            self.up = ExpertLinear(e, h, ef)
            self.down = ExpertLinear(e, ef, h)

        def forward(self, x, expert):
            if cfg.activation == "swiglu":
                a = F.silu(self.gate(x, expert)) * self.up(x, expert)
            else:
                a = F.gelu(self.up(x, expert), approximate="tanh")
            return self.down(a, expert)

    class MoE(nn.Module):
        """Mixtral's sparse MoE block (written out: one pass per expert over its tokens), with an
        optional capacity per micro-batch, and the layer's load-balancing term."""

        def __init__(self):
            super().__init__()
            e = cfg.moe["experts"]
            self.router = nn.Linear(cfg.hidden, e, bias=False)
            self.experts = Experts(e, cfg.hidden, cfg.moe["expert_ffn"])

        def forward(self, h):
            b, s, hidden = h.shape
            e, k = cfg.moe["experts"], cfg.moe["top_k"]
            x = h.reshape(b * s, hidden)
            probs = torch.softmax(self.router(x).float(), dim=-1)
            top, idx = torch.topk(probs, k, dim=-1)
            weights = top / top.sum(dim=-1, keepdim=True)
            tokens = b * s
            keep = torch.ones(tokens, k, dtype=torch.bool)
            cf = cfg.moe["capacity_factor"]
            if cf is not None:
                capacity = min(max(math.ceil(cf * tokens * k / e), 1), tokens)
                # Slots in token order, then choice order: a pair's slot is the number of earlier
                # pairs (in that order) with the same expert.
                flat = idx.reshape(-1)
                onehot = F.one_hot(flat, e)
                slot = ((onehot.cumsum(0) - onehot) * onehot).sum(-1)
                keep = (slot < capacity).reshape(tokens, k)
            out = torch.zeros_like(x)
            for expert in range(e):
                token, choice = torch.where((idx == expert) & keep)
                if token.numel() == 0:
                    continue
                y = self.experts(x[token], expert) * weights[token, choice, None]
                out = out.index_add(0, token, y)
            chosen = F.one_hot(idx, e).float().sum(1)  # [tokens, E]
            balance = (chosen.mean(0) * probs.mean(0)).sum()
            return out.reshape(b, s, hidden), balance

    class Block(nn.Module):
        def __init__(self, layer):
            super().__init__()
            self.attn_norm = make_norm()
            self.q = nn.Linear(cfg.hidden, heads * d, bias=cfg.bias)
            self.k = nn.Linear(cfg.hidden, kv * d, bias=cfg.bias)
            self.v = nn.Linear(cfg.hidden, kv * d, bias=cfg.bias)
            self.o = nn.Linear(heads * d, cfg.hidden, bias=cfg.bias)
            self.mlp_norm = make_norm()
            if cfg.is_moe_layer(layer):
                self.moe = MoE()
                return
            if cfg.activation == "swiglu":
                self.gate = nn.Linear(cfg.hidden, cfg.ffn, bias=cfg.bias)
            self.up = nn.Linear(cfg.hidden, cfg.ffn, bias=cfg.bias)
            self.down = nn.Linear(cfg.ffn, cfg.hidden, bias=cfg.bias)

        def forward(self, x, rope):
            b, s, _ = x.shape
            h = self.attn_norm(x)
            q = self.q(h).view(b, s, heads, d)
            k = self.k(h).view(b, s, kv, d)
            v = self.v(h).view(b, s, kv, d)
            if rope is not None:
                cos, sin = rope
                q = q * cos + rotate_half(q) * sin
                k = k * cos + rotate_half(k) * sin
            q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)  # [b, heads, s, d]
            if attention == "sdpa":
                o = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=group > 1)
            else:
                # Written out, as Hugging Face's eager attention: repeat_kv, scores, mask, softmax.
                if group > 1:
                    k = k.repeat_interleave(group, dim=1)
                    v = v.repeat_interleave(group, dim=1)
                scores = (q @ k.transpose(-1, -2)) / math.sqrt(d)
                mask = torch.ones(s, s, dtype=torch.bool, device=x.device).triu(1)
                scores = scores.masked_fill(mask, float("-inf"))
                o = torch.softmax(scores, dim=-1) @ v
            o = o.transpose(1, 2).reshape(b, s, heads * d)
            x = x + self.o(o)
            h = self.mlp_norm(x)
            if hasattr(self, "moe"):
                y, balance = self.moe(h)
                return x + y, balance
            if cfg.activation == "swiglu":
                a = F.silu(self.gate(h)) * self.up(h)
            else:
                a = F.gelu(self.up(h), approximate="tanh")
            return x + self.down(a), None

    def rotate_half(x):
        x1, x2 = x[..., : d // 2], x[..., d // 2 :]
        return torch.cat((-x2, x1), dim=-1)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.tokens = nn.Embedding(cfg.vocab, cfg.hidden)
            if cfg.position == "learned":
                self.positions = nn.Parameter(torch.zeros(cfg.seq_len, cfg.hidden))
            self.layers = nn.ModuleList(Block(layer) for layer in range(cfg.layers))
            self.final_norm = make_norm()
            if not cfg.tie_embeddings:
                self.lm_head = nn.Linear(cfg.hidden, cfg.vocab, bias=False)
            if cfg.position == "rope":
                # angle(pos, i) = pos · theta^(-2i/d), i < d/2, in f64 as parc, then f32; the
                # "rotate half" layout repeats the d/2 angles for dims i and i + d/2.
                pos = torch.arange(cfg.seq_len, dtype=torch.float64)[:, None]
                inv = cfg.rope_theta ** (-2.0 * torch.arange(d // 2, dtype=torch.float64) / d)
                ang = torch.cat([pos * inv, pos * inv], dim=-1)  # [S, d]
                self.register_buffer("cos", ang.cos().float()[:, None, :], persistent=False)  # [S, 1, d]
                self.register_buffer("sin", ang.sin().float()[:, None, :], persistent=False)

        def forward(self, tokens, labels):
            x = self.tokens(tokens)
            if cfg.position == "learned":
                x = x + self.positions
            rope = (self.cos, self.sin) if cfg.position == "rope" else None
            balances = []
            for layer in self.layers:
                x, balance = layer(x, rope)
                if balance is not None:
                    balances.append(balance)
            h = self.final_norm(x)
            logits = F.linear(h, self.tokens.weight) if cfg.tie_embeddings else self.lm_head(h)
            loss_sum = F.cross_entropy(logits.view(-1, cfg.vocab), labels.reshape(-1), reduction="sum")
            loss = loss_sum / (cfg.global_batch * cfg.seq_len)
            if cfg.moe is not None and cfg.moe["aux_loss_coef"] > 0:
                # Each MoE layer's coef · E · Σ_e f_e · P_e, averaged over the step's micro-batches.
                scale = cfg.moe["aux_loss_coef"] * cfg.moe["experts"] * cfg.micro_batch / cfg.global_batch
                loss = loss + scale * sum(balances)
            return loss

    model = Model()

    # parc name -> (parameter, stored transposed in parc: nn.Linear weights are [out, in]).
    def parc_name(torch_name: str) -> str:
        n = torch_name
        if n in ("tokens.weight", "positions"):
            return {"tokens.weight": "embed.tokens.weight", "positions": "embed.positions.weight"}[n]
        parts = n.split(".")
        if parts[0] == "layers":
            sub = parts[2]
            group_ = "attn" if sub in ("q", "k", "v", "o") else "mlp" if sub in ("gate", "up", "down") else None
            if group_ is not None:
                return ".".join(parts[:2] + [group_] + parts[2:])
        return n

    mapping = {}
    for tname, p in model.named_parameters():
        name = parc_name(tname)
        transposed = name.endswith(".weight") and p.dim() == 2 and name not in (
            "embed.tokens.weight",
            "embed.positions.weight",
        )
        mapping[name] = (p, transposed)
    expected = dict(param_shapes(cfg))
    if set(mapping) != set(expected):
        raise SystemExit(f"internal error: parameter names differ: {sorted(set(mapping) ^ set(expected))}")
    for name, (p, tr) in mapping.items():
        shape = tuple(p.shape[::-1]) if tr else tuple(p.shape)
        if shape != expected[name]:
            raise SystemExit(f"internal error: {name} has shape {shape}, parc {expected[name]}")
    return model, mapping


def load_weights(mapping, path: str | Path):
    import torch
    from safetensors.numpy import load_file

    tensors = load_file(str(path))
    missing = set(mapping) - set(tensors)
    if missing:
        raise SystemExit(f"{path}: missing tensors {sorted(missing)}")
    with torch.no_grad():
        for name, (p, tr) in mapping.items():
            t = torch.from_numpy(np.ascontiguousarray(tensors[name], dtype=np.float32))
            p.copy_(t.t() if tr else t)


def weights_numpy(mapping) -> dict[str, np.ndarray]:
    return {
        name: np.ascontiguousarray((p.detach().t() if tr else p.detach()).numpy(), dtype=np.float32)
        for name, (p, tr) in mapping.items()
    }


def train(cfg: Config, init: Path, data: Path, steps: int, threads: int, attention: str, emit, adamw_impl="default",
          save: Path | None = None, profile: tuple[int, Path] | None = None):
    """Trains `steps` steps; calls `emit(step, loss, seconds)` after each; returns the final weights.
    With `profile = (first_step, path)`, steps from first_step on run under torch.profiler and the
    self CPU time per op is written to path (JSON)."""
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)  # Nothing random is drawn; only for determinism of any default init.
    model, mapping = build_model(cfg, attention)
    load_weights(mapping, init)
    model.train()

    tokens = np.fromfile(data, dtype="<u4")
    s1 = cfg.seq_len + 1
    n_samples = len(tokens) // s1
    if n_samples == 0:
        raise SystemExit(f"{data}: fewer than seq_len + 1 tokens")
    samples = torch.from_numpy(tokens[: n_samples * s1].astype(np.int64).reshape(n_samples, s1))

    params = list(model.parameters())
    if cfg.optimizer == "adamw":
        kw = {}
        if adamw_impl == "foreach":
            kw["foreach"] = True
        elif adamw_impl == "fused":
            kw["fused"] = True
        opt = torch.optim.AdamW(params, lr=cfg.lr, betas=cfg.betas, eps=cfg.eps, weight_decay=cfg.weight_decay, **kw)
    else:
        opt = torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)

    gb, b = cfg.global_batch, cfg.micro_batch
    prof = None
    for step in range(1, steps + 1):
        if profile is not None and step == profile[0]:
            prof = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU])
            prof.__enter__()
        t0 = time.perf_counter()
        # Step i (0-based) uses samples i·B .. (i+1)·B, wrapping at the end of the file.
        idx = (torch.arange(gb) + (step - 1) * gb) % n_samples
        batch = samples[idx]
        inputs, labels = batch[:, :-1].contiguous(), batch[:, 1:].contiguous()
        opt.zero_grad(set_to_none=True)
        loss = 0.0
        for j in range(gb // b):
            micro_loss = model(inputs[j * b : (j + 1) * b], labels[j * b : (j + 1) * b])
            micro_loss.backward()
            loss += micro_loss.detach()
        if cfg.grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        for group in opt.param_groups:
            group["lr"] = lr_at(cfg, step)
        opt.step()
        loss = float(loss)
        seconds = time.perf_counter() - t0
        emit(step, loss, seconds)
    if prof is not None:
        prof.__exit__(None, None, None)
        write_profile(prof, steps - profile[0] + 1, profile[1])
    weights = weights_numpy(mapping)
    if save is not None:
        from safetensors.numpy import save_file

        save_file(weights, str(save), metadata={"format": "parc"})
    return weights


# GEMM kernels as the profiler names them; SDPA's CPU kernel also does its GEMMs internally.
TORCH_GEMM_OPS = {"aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::addbmm", "aten::_mkldnn_matmul"}


def write_profile(prof, steps: int, path: Path):
    ops = {}
    for e in prof.key_averages():
        ops[e.key] = {"count": e.count, "self_cpu_us": e.self_cpu_time_total}
    total = sum(o["self_cpu_us"] for o in ops.values())
    gemm = sum(o["self_cpu_us"] for k, o in ops.items() if k in TORCH_GEMM_OPS)
    sdpa = sum(o["self_cpu_us"] for k, o in ops.items() if "scaled_dot_product" in k)
    top = sorted(ops.items(), key=lambda kv: -kv[1]["self_cpu_us"])[:25]
    Path(path).write_text(json.dumps({
        "profiled_steps": steps,
        "self_cpu_us_total": total,
        "gemm_ops_share": gemm / total if total else 0.0,
        "sdpa_share": sdpa / total if total else 0.0,
        "gemm_ops": sorted(TORCH_GEMM_OPS),
        "top_ops": dict(top),
    }, indent=1))


# ---------------------------------------------------------------------------------------------
# Commands.


def prepare(cfg: Config, steps: int, out: Path) -> tuple[Path, Path]:
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    weights = {name: default_init(cfg.seed, name, shape, cfg.layers) for name, shape in param_shapes(cfg)}
    init = out / "init.safetensors"
    save_file(weights, str(init), metadata={"format": "parc"})
    data = out / "tokens.u32"
    synthetic_tokens(cfg, steps * cfg.global_batch).astype("<u4").tofile(data)
    return init, data


def cmd_prepare(args):
    cfg = read_config(args.model)
    init, data = prepare(cfg, args.steps, Path(args.out))
    print(json.dumps({"init": str(init), "data": str(data), "steps": args.steps}))


def cmd_train(args):
    cfg = read_config(args.model)

    def emit(step, loss, seconds):
        tps = cfg.tokens_per_step / seconds
        if args.json:
            print(json.dumps({"step": step, "loss": loss, "seconds": seconds, "tokens_per_s": round(tps, 1)}),
                  flush=True)
        else:
            print(f"step {step:>5}/{args.steps}  loss {loss:.6f}  {tps:9.0f} tokens/s  {seconds * 1e3:.2f} ms",
                  file=sys.stderr)

    profile = (args.profile_from, Path(args.profile_out)) if args.profile_out else None
    train(cfg, Path(args.init), Path(args.data), args.steps, args.threads, args.attention, emit, args.adamw,
          Path(args.save) if args.save else None, profile)


def run_parc(parc: str, target: str, steps: int, threads: int, extra: list[str]) -> list[dict]:
    cmd = [parc, "launch", target, "--steps", str(steps), "--threads", str(threads), "--json", *extra]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stderr}")
    return [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]


def cmd_check(args):
    from safetensors.numpy import load_file

    cfg = read_config(args.model)
    report = {"model": cfg.name, "steps": args.steps, "threads": args.threads}
    with tempfile.TemporaryDirectory(prefix="parc-check-") as tmp:
        tmp = Path(tmp)
        init, data = prepare(cfg, args.steps, tmp)
        parc_final = tmp / "parc-final.safetensors"
        parc_files = run_parc(args.parc, args.model, args.steps, args.threads,
                              ["--init", str(init), "--data", str(data), "--save", str(parc_final)])
        parc_seeded = run_parc(args.parc, args.model, args.steps, args.threads, [])
        parc_w = load_file(str(parc_final))
        results = {}
        for attention in ("math", "sdpa"):
            losses = []
            w = train(cfg, init, data, args.steps, args.threads, attention, lambda s, l, t: losses.append(l))
            results[attention] = (losses, w)

    pl = [r["loss"] for r in parc_files]
    ps = [r["loss"] for r in parc_seeded]
    report["ports_exact"] = pl == ps  # parc from our files == parc from its own seed/generator
    report["parc_losses"] = pl
    ok = report["ports_exact"]
    for attention, (tl, w) in results.items():
        rel = [abs(a - b) / abs(b) for a, b in zip(tl, pl)]
        absd = [abs(a - b) for a, b in zip(tl, pl)]
        wdiff = max(float(np.max(np.abs(w[n] - parc_w[n]))) for n in w)
        wscale = max(float(np.max(np.abs(parc_w[n]))) for n in w)
        report[f"torch_{attention}"] = {
            "losses": tl,
            "max_rel_loss_diff": max(rel),
            "max_abs_loss_diff": max(absd),
            "first_step_rel_diff": rel[0],
            "final_weights_max_abs_diff": wdiff,
            "final_weights_max_abs": wscale,
        }
        ok = ok and max(rel) <= args.tol
    report["ok"] = ok
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{cfg.name}: {args.steps} steps, threads {args.threads}")
        print(f"  ports of init/synthetic data exact (parc seeded == parc --init/--data): {report['ports_exact']}")
        print(f"  {'step':>4} {'parc':>12} " + " ".join(f"{'torch ' + a:>12} {'rel diff':>9}" for a in results))
        for i, p in enumerate(pl):
            cols = " ".join(f"{results[a][0][i]:12.7f} {abs(results[a][0][i] - p) / abs(p):9.2e}" for a in results)
            print(f"  {i + 1:>4} {p:12.7f} {cols}")
        for a in results:
            r = report[f"torch_{a}"]
            print(f"  torch {a}: max rel loss diff {r['max_rel_loss_diff']:.2e}, max abs {r['max_abs_loss_diff']:.2e}; "
                  f"final weights max abs diff {r['final_weights_max_abs_diff']:.2e} (max |w| {r['final_weights_max_abs']:.3f})")
        print(f"  {'PASS' if ok else 'FAIL'} (tolerance {args.tol:g} relative)")
    sys.exit(0 if ok else 1)


def gemm_flops(program: Path) -> dict:
    """GEMM FLOPs of one training step of a rank program (OUT/rank-NNNN.mlir): 2·M·N·K·batch per
    `exec.gemm`, each function weighted by how often @train_step calls it (micro-batches)."""
    funcs: dict[str, dict] = {}
    cur = None
    shape_re = re.compile(r"memref<([0-9x]*)x?f32>")
    for line in program.read_text().splitlines():
        m = re.match(r"\s*func\.func @([\w.]+)", line)
        if m:
            cur = funcs.setdefault(m.group(1), {"gemms": 0, "flops": 0, "calls": [], "shapes": {}})
            continue
        if cur is None:
            continue
        m = re.search(r'"exec\.call"\(\) \{callee = "([\w.]+)"\}', line)
        if m:
            cur["calls"].append(m.group(1))
            continue
        if '"exec.gemm"' not in line:
            continue
        attrs = line.split(")", 1)[1].split(":", 1)[0]
        types = line.rsplit(":", 1)[1]
        a, b, c = ([int(x) for x in t.split("x") if x] for t in shape_re.findall(types)[:3])
        ta, tb = "transpose_a = true" in attrs, "transpose_b = true" in attrs
        m_, n_ = c[-2], c[-1]
        k_ = a[-2] if ta else a[-1]
        kb = b[-1] if tb else b[-2]
        if k_ != kb:
            raise SystemExit(f"cannot read the GEMM shapes of: {line.strip()}")
        batch = math.prod(c[:-2])
        flops = 2 * batch * m_ * n_ * k_
        cur["gemms"] += 1
        cur["flops"] += flops
        key = f"{'x'.join(map(str, c[:-2])) + ' x ' if c[:-2] else ''}[{m_} x {k_}] x [{k_} x {n_}]"
        cur["shapes"][key] = cur["shapes"].get(key, 0) + 1
    if "train_step" not in funcs:
        raise SystemExit(f"{program}: no @train_step")
    totals = {"gemm_calls": 0, "flops": 0}

    def visit(name, times, depth=0):
        f = funcs[name]
        totals["gemm_calls"] += times * f["gemms"]
        totals["flops"] += times * f["flops"]
        for callee in f["calls"]:
            visit(callee, times, depth + 1)

    visit("train_step", 1)
    per_fn = {name: {"gemms": f["gemms"], "flops_per_call": f["flops"],
                     "calls_per_step": sum(g["calls"].count(name) for g in funcs.values())}
              for name, f in funcs.items() if f["gemms"]}
    return {"gemm_calls_per_step": totals["gemm_calls"], "gemm_flops_per_step": totals["flops"], "functions": per_fn}


def cmd_gemm_flops(args):
    out = gemm_flops(Path(args.program))
    if args.model:
        out["tokens_per_step"] = read_config(args.model).tokens_per_step
    print(json.dumps(out))


GEMM_FRAME = re.compile(r"gemm_f32::|gemm_common::|\bgemm::|parc_runtime::cpu::gemm::")


def cmd_perf_gemm(args):
    """Share of parc's training time in GEMM calls, from `perf script -F tid,ip,sym` of a
    `perf record -e cpu-clock --call-graph dwarf` run of `parc launch`/`parc run`. A sample is in a
    GEMM when any frame of its stack is in parc_runtime::cpu::gemm or the gemm crates; the step
    thread is the thread whose samples are inside Trainer::step."""
    samples = []
    for block in Path(args.perf_script).read_text().split("\n\n"):
        lines = [l.strip() for l in block.strip().splitlines() if l.strip()]
        if not lines:
            continue
        tid = lines[0].split()[0]
        frames = [l.split(" ", 1)[1] if " " in l else "" for l in lines[1:]]
        samples.append((tid, any("Trainer::step" in f for f in frames), any(GEMM_FRAME.search(f) for f in frames)))
    in_step = [g for _, s, g in samples if s]
    per_thread: dict[str, list[int]] = {}
    for tid, s, g in samples:
        t = per_thread.setdefault(tid, [0, 0, 0])
        t[0] += 1
        t[1] += s
        t[2] += g
    out = {
        "samples": len(samples),
        "step_samples": len(in_step),
        "step_gemm_share": sum(in_step) / max(1, len(in_step)),
        # tid: [samples, samples inside Trainer::step, samples inside a GEMM]
        "threads": per_thread,
    }
    print(json.dumps(out))


def cmd_summarize(args):
    """Reads `LABEL=FILE` JSON step logs; prints the median tokens/s after the warm-up steps."""
    out = {}
    for spec in args.logs:
        label, path = spec.split("=", 1)
        rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.startswith("{")]
        rows = [r for r in rows if r["step"] > args.warmup]
        tps = [r["tokens_per_s"] for r in rows]
        out[label] = {"steps": len(rows), "median_tokens_per_s": statistics.median(tps),
                      "mean_step_ms": 1e3 * statistics.mean(args.tokens_per_step / t for t in tps)}
    print(json.dumps(out))


def _step_tps(path: Path, warmup: int) -> list[float]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]
    return sorted(r["tokens_per_s"] for r in rows if r["step"] > warmup)


def _median_tps(path: Path, warmup: int) -> float:
    return statistics.median(_step_tps(path, warmup))


def _p90_tps(path: Path, warmup: int) -> float:
    """tokens/s of the 10th-percentile step time: what the steps that ran undisturbed achieve."""
    tps = _step_tps(path, warmup)
    return tps[min(len(tps) - 1, int(0.9 * len(tps)))]


def cmd_report(args):
    """The benchmark's result from the logs benches/train_vs_torch.sh wrote under --dir."""
    root = Path(args.dir)
    result = {}
    lines = []
    for model in args.models:
        mdir = root / model
        runs = sorted(p for p in mdir.glob("run*") if p.is_dir())
        per_run = []
        for run in runs:
            row = {"run": run.name, "load": (run / "load.txt").read_text().strip()}
            for label in ("parc", "torch", "parc-t1", "torch-t1"):
                f = run / f"{label}.jsonl"
                if f.exists():
                    row[label] = _median_tps(f, args.warmup)
                    row[label + " p10"] = _p90_tps(f, args.warmup)
            row["ratio"] = row["parc"] / row["torch"]
            row["ratio p10"] = row["parc p10"] / row["torch p10"]
            per_run.append(row)
        keys = [k for k in per_run[0] if k not in ("run", "load")]
        med = {k: statistics.median(r[k] for r in per_run) for k in keys if all(k in r for r in per_run)}
        flops = json.loads((mdir / "flops.json").read_text())
        tokens_per_step = flops["tokens_per_step"]
        step_s = tokens_per_step / med["parc"]
        entry = {"runs": per_run, "median": med, "gemm_flops_per_step": flops["gemm_flops_per_step"],
                 "gemm_calls_per_step": flops["gemm_calls_per_step"],
                 "parc_step_ms": 1e3 * step_s,
                 "parc_overall_gemm_gflops": flops["gemm_flops_per_step"] / step_s / 1e9,
                 "torch_overall_gemm_gflops": flops["gemm_flops_per_step"] / (tokens_per_step / med["torch"]) / 1e9}
        perf = mdir / "perf-gemm.json"
        if perf.exists():
            share = json.loads(perf.read_text())["step_gemm_share"]
            entry["parc_gemm_share"] = share
            entry["parc_gemm_gflops"] = flops["gemm_flops_per_step"] / (share * step_s) / 1e9
        prof = mdir / "torch-profile.json"
        if prof.exists():
            p = json.loads(prof.read_text())
            entry["torch_profile_gemm_share"] = p["gemm_ops_share"]
            entry["torch_profile_sdpa_share"] = p["sdpa_share"]
        result[model] = entry
        lines.append(f"{model}:")
        def fmt(r):
            extra = "".join(f", {k} {r[k]:.0f} ({r[k + ' p10']:.0f})" for k in ("parc-t1", "torch-t1") if k in r)
            return (f"parc {r['parc']:.0f} ({r['parc p10']:.0f}) tokens/s, torch {r['torch']:.0f} "
                    f"({r['torch p10']:.0f}) tokens/s, ratio parc/torch {r['ratio']:.2f} ({r['ratio p10']:.2f}){extra}")

        for r in per_run:
            load = r["load"].replace("\n", "; ")
            lines.append(f"  {r['run']}: {fmt(r)}\n      [{load}]")
        lines.append(f"  median of {len(per_run)} runs: {fmt(med)}")
        lines.append("  (in parentheses: tokens/s at the 10th-percentile step time, the undisturbed steps)")
        lines.append(f"  GEMM: {entry['gemm_calls_per_step']} calls, {entry['gemm_flops_per_step'] / 1e6:.1f} MFLOP "
                     f"per step; parc step {entry['parc_step_ms']:.2f} ms = "
                     f"{entry['parc_overall_gemm_gflops']:.1f} GEMM-GFLOP per second of step")
        if "parc_gemm_share" in entry:
            lines.append(f"  parc share of step time in GEMM (perf): {100 * entry['parc_gemm_share']:.0f}% "
                         f"-> {entry['parc_gemm_gflops']:.1f} GFLOP/s achieved inside GEMM calls")
        if "torch_profile_gemm_share" in entry:
            lines.append(f"  torch (torch.profiler, self CPU time): GEMM ops {100 * entry['torch_profile_gemm_share']:.0f}%,"
                         f" SDPA {100 * entry['torch_profile_sdpa_share']:.0f}%")
    print("\n".join(lines))
    (root / "report.json").write_text(json.dumps(result, indent=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("prepare", help="write init.safetensors and tokens.u32 for parc and train")
    p.add_argument("model")
    p.add_argument("--steps", type=int, required=True, help="steps of synthetic data to write")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("train", help="train with PyTorch; one line per step")
    p.add_argument("model")
    p.add_argument("--init", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--attention", choices=["sdpa", "math"], default="sdpa",
                   help="F.scaled_dot_product_attention (default) or the written-out softmax(q kT) v")
    p.add_argument("--adamw", choices=["default", "foreach", "fused"], default="default",
                   help="torch.optim.AdamW implementation (default: PyTorch's choice for CPU tensors)")
    p.add_argument("--save", help="write the final weights (safetensors, parc names and layout)")
    p.add_argument("--json", action="store_true", help='one {"step", "loss", "seconds", "tokens_per_s"} per line')
    p.add_argument("--profile-out", help="profile the steps from --profile-from on with torch.profiler; write JSON here")
    p.add_argument("--profile-from", type=int, default=21)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("check", help="compare per-step losses and final weights with parc")
    p.add_argument("model")
    p.add_argument("--parc", default="target/release/parc")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("summarize", help="median tokens/s of JSON step logs after the warm-up")
    p.add_argument("logs", nargs="+", help="LABEL=FILE")
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--tokens-per-step", type=int, required=True)
    p.set_defaults(func=cmd_summarize)

    p = sub.add_parser("report", help="the benchmark table from the logs of benches/train_vs_torch.sh")
    p.add_argument("--dir", required=True)
    p.add_argument("--models", nargs="+", required=True)
    p.add_argument("--warmup", type=int, default=20)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("gemm-flops", help="GEMM FLOPs per training step of a rank program (OUT/rank-0000.mlir)")
    p.add_argument("program")
    p.add_argument("--model", help="the model TOML, to add tokens_per_step")
    p.set_defaults(func=cmd_gemm_flops)

    p = sub.add_parser("perf-gemm", help="share of parc's step time in GEMM from `perf script -F tid,ip,sym`")
    p.add_argument("perf_script")
    p.set_defaults(func=cmd_perf_gemm)

    args = ap.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
