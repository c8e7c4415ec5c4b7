"""GPT-2 124M training step in PyTorch, for scripts/gpu-check.sh's speed comparison.

The model of examples/gpt2-124m.toml: 12 layers, hidden 768, 12 heads, 1024 positions, vocabulary
50257, learned positions, LayerNorm, tanh-GELU MLP of 3072, biases, tied embeddings; AdamW
(betas 0.9/0.95, weight decay 0.1, fused), gradient clipping at 1.0; bf16 autocast over fp32
parameters (as parc's bf16: bf16 compute, fp32 master weights); micro-batch 8 of 1024 tokens.
Attention is torch.nn.functional.scaled_dot_product_attention (flash attention on an H100).

    python3 scripts/gpu/torch_gpt2.py --steps 30 [--compile]

Prints one JSON object: tokens/s (median over the timed steps after warm-up), step seconds.
"""

import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, heads, ffn):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.up = nn.Linear(d, ffn)
        self.down = nn.Linear(ffn, d)

    def forward(self, x):
        b, s, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (t.view(b, s, self.heads, d // self.heads).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).reshape(b, s, d))
        return x + self.down(F.gelu(self.up(self.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, vocab, d, layers, heads, ffn, seq):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(seq, d)
        self.blocks = nn.ModuleList(Block(d, heads, ffn) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.normal_(p, std=0.02)

    def forward(self, idx, targets):
        pos = torch.arange(idx.shape[1], device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for blk in self.blocks:
            x = blk(x)
        logits = self.ln_f(x) @ self.wte.weight.t()
        return F.cross_entropy(logits.float().view(-1, logits.shape[-1]), targets.view(-1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--batch", type=int, default=8)
    a = ap.parse_args()
    torch.manual_seed(0)
    vocab, d, layers, heads, ffn, seq = 50257, 768, 12, 12, 3072, 1024
    model = GPT(vocab, d, layers, heads, ffn, seq).cuda()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=6e-4, betas=(0.9, 0.95), weight_decay=0.1, fused=True)
    step_fn = model
    if a.compile:
        step_fn = torch.compile(model)
    x = torch.randint(0, vocab, (a.batch, seq), device="cuda")
    y = torch.randint(0, vocab, (a.batch, seq), device="cuda")
    times = []
    for i in range(a.warmup + a.steps):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = step_fn(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        loss.item()
        torch.cuda.synchronize()
        if i >= a.warmup:
            times.append(time.perf_counter() - t0)
    sec = statistics.median(times)
    tokens = a.batch * seq
    print(json.dumps({
        "impl": "pytorch-compile" if a.compile else "pytorch-eager",
        "torch": torch.__version__,
        "gpu": torch.cuda.get_device_name(),
        "params": params,
        "step_s_median": sec,
        "steps_timed": len(times),
        "tokens_per_s": tokens / sec,
        "loss": float(loss.item()),
        "finite": math.isfinite(float(loss.item())),
    }))


if __name__ == "__main__":
    main()
