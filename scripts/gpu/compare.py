"""Compares a CPU run and a GPU run of the same model (scripts/gpu-check.sh).

    python3 compare.py NAME TOL cpu.jsonl gpu.jsonl cpu.safetensors gpu.safetensors

The .jsonl files are `parc launch --json` output (one object per step); the weights are their
`--save` files. Prints one JSON object: the largest relative difference of the per-step losses,
the largest absolute difference of the final weights (over every tensor) and whether both are
within TOL.
"""

import json
import sys

import numpy as np
from safetensors.numpy import load_file


def losses(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{") and '"loss"' in line:
                out.append(json.loads(line)["loss"])
    return out


def main():
    name, tol, cj, gj, cw, gw = sys.argv[1], float(sys.argv[2]), *sys.argv[3:7]
    lc, lg = losses(cj), losses(gj)
    rel = max((abs(a - b) / max(abs(a), 1e-12) for a, b in zip(lc, lg)), default=float("inf"))
    wc, wg = load_file(cw), load_file(gw)
    wmax = 0.0
    worst = None
    for k, v in wc.items():
        d = float(np.max(np.abs(v.astype(np.float64) - wg[k].astype(np.float64)))) if v.size else 0.0
        if d > wmax:
            wmax, worst = d, k
    ok = len(lc) == len(lg) and len(lc) > 0 and rel <= tol and wmax <= tol and set(wc) == set(wg)
    print(json.dumps({
        "check": name,
        "steps": len(lg),
        "loss_first_cpu": lc[0] if lc else None,
        "loss_last_cpu": lc[-1] if lc else None,
        "loss_last_gpu": lg[-1] if lg else None,
        "loss_max_rel_diff": rel,
        "weights_max_abs_diff": wmax,
        "weights_worst_tensor": worst,
        "tolerance": tol,
        "pass": ok,
    }))


if __name__ == "__main__":
    main()
