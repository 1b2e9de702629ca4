"""The benchmark's PyTorch peer: the same Llama-style model and step as
bench/engine/model.ts, timed the same way (fastest of N after a warm-up).

Run with Debian's torch and OpenBLAS (apt-get install python3-torch
libopenblas0-pthread), from run.ts, which sets OPENBLAS_NUM_THREADS:
    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/engine/torch_peer.py --threads 1
Prints one JSON line.
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F

SHAPE = dict(vocab=8192, d_model=256, layers=4, heads=8, ffn=704, seq=128, batch=4)


def rms_norm(x, gain):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * gain


def rope(x, cos, sin):
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


class Model(torch.nn.Module):
    def __init__(self, s):
        super().__init__()
        self.s = s
        d, f = s["d_model"], s["ffn"]
        p = lambda *dims: torch.nn.Parameter(torch.randn(*dims) * 0.02)
        self.embed = p(s["vocab"], d)
        self.layers = torch.nn.ModuleList()
        for _ in range(s["layers"]):
            layer = torch.nn.Module()
            layer.attn_norm = torch.nn.Parameter(torch.ones(d))
            layer.wq, layer.wk, layer.wv, layer.wo = p(d, d), p(d, d), p(d, d), p(d, d)
            layer.mlp_norm = torch.nn.Parameter(torch.ones(d))
            layer.w_gate, layer.w_up, layer.w_down = p(d, f), p(d, f), p(f, d)
            self.layers.append(layer)
        self.final_norm = torch.nn.Parameter(torch.ones(d))
        half = d // s["heads"] // 2
        inv_freq = 10000 ** (-torch.arange(half, dtype=torch.float32) / half)
        angles = torch.outer(torch.arange(s["seq"], dtype=torch.float32), inv_freq)
        self.register_buffer("cos", angles.cos())
        self.register_buffer("sin", angles.sin())
        future = torch.arange(s["seq"])[None, :] > torch.arange(s["seq"])[:, None]
        self.register_buffer("mask", future.float() * -1e9)

    def forward(self, ids):
        s = self.s
        b, t, h = s["batch"], s["seq"], s["heads"]
        hd = s["d_model"] // h
        x = self.embed[ids].reshape(b * t, -1)
        split = lambda y: y.reshape(b, t, h, hd).transpose(1, 2)
        for layer in self.layers:
            n = rms_norm(x, layer.attn_norm)
            q = rope(split(n @ layer.wq), self.cos, self.sin)
            k = rope(split(n @ layer.wk), self.cos, self.sin)
            v = split(n @ layer.wv)
            scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd) + self.mask
            att = scores.softmax(-1) @ v
            x = x + att.transpose(1, 2).reshape(b * t, -1) @ layer.wo
            m = rms_norm(x, layer.mlp_norm)
            gate = m @ layer.w_gate
            x = x + (gate * torch.sigmoid(gate) * (m @ layer.w_up)) @ layer.w_down
        return rms_norm(x, self.final_norm) @ self.embed.t()


CPU_MS = {}


def best_ms(run, repeats, label=""):
    """Fastest wall time of `repeats` runs after a warm-up; also the fastest
    process CPU time, which with one thread is an idle core's wall time."""
    run()
    best = best_cpu = math.inf
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        run()
        best = min(best, (time.perf_counter() - start) * 1000)
        best_cpu = min(best_cpu, (time.process_time() - cpu_start) * 1000)
    if label:
        CPU_MS[label] = best_cpu
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--forwards", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    s = SHAPE
    tokens = s["batch"] * s["seq"]

    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    ceiling_ms = best_ms(lambda: a @ b, 5)

    model = Model(s)
    data = torch.randint(0, s["vocab"], (s["batch"], s["seq"] + 1))
    ids, targets = data[:, :-1], data[:, 1:].reshape(-1)

    def forward_only():
        with torch.no_grad():
            model(ids)

    forward_ms = best_ms(forward_only, args.forwards, "forward")

    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(ids), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

    train_ms = best_ms(step, args.steps, "train")
    print(json.dumps({
        "config": f"PyTorch {torch.__version__} + OpenBLAS, torch {args.threads} thread(s)",
        "threads": args.threads,
        "matmulCeilingGflops": 2 * n ** 3 / ceiling_ms / 1e6,
        "forwardMs": forward_ms,
        "forwardTokensPerSec": tokens / forward_ms * 1000,
        "trainMs": train_ms,
        "trainTokensPerSec": tokens / train_ms * 1000,
        "forwardCpuMs": CPU_MS["forward"],
        "trainCpuMs": CPU_MS["train"],
        "losses": losses,
        "blas": torch.__config__.show().split("BLAS_INFO=")[1].split(",")[0] if "BLAS_INFO=" in torch.__config__.show() else "unknown",
    }))


if __name__ == "__main__":
    main()
