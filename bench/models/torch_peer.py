#!/usr/bin/python3
"""PyTorch peer for the engine benchmark: the same Llama-shaped model, timed the same way.

Run by bench/models/torch-peer.ts with Debian's python3-torch (+ libopenblas0-pthread).
Reads one JSON object from argv[1]:
  {"vocab": 8192, "hidden": 256, "layers": 4, "heads": 8, "kvHeads": 8, "intermediate": 688,
   "batch": 4, "seq": 128, "iterations": 3, "train": true, "threads": 1}
and prints one JSON object: forward / train ms and tokens/s, and the 1024^3 matmul GFLOP/s.
"""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F


def make_params(c, gen):
    def normal(*shape):
        return (torch.randn(*shape, generator=gen) * 0.02).requires_grad_()

    H, I, V = c['hidden'], c['intermediate'], c['vocab']
    d = H // c['heads']
    kv = c['kvHeads'] * d
    p = {'embed': normal(V, H), 'norm': torch.ones(H, requires_grad=True)}
    for i in range(c['layers']):
        p[f'{i}.ln1'] = torch.ones(H, requires_grad=True)
        p[f'{i}.ln2'] = torch.ones(H, requires_grad=True)
        p[f'{i}.q'], p[f'{i}.k'], p[f'{i}.v'], p[f'{i}.o'] = normal(H, H), normal(kv, H), normal(kv, H), normal(H, H)
        p[f'{i}.gate'], p[f'{i}.up'], p[f'{i}.down'] = normal(I, H), normal(I, H), normal(H, I)
    return p


def rms(x, w, eps=1e-5):
    return w * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


def forward(c, p, ids):
    b, s = ids.shape
    nh, nkv = c['heads'], c['kvHeads']
    H = c['hidden']
    d = H // nh
    inv = 1.0 / (10000 ** (torch.arange(0, d, 2).float() / d))
    ang = torch.arange(s).float()[:, None] * inv[None]
    emb = torch.cat([ang, ang], -1)
    cos, sin = emb.cos(), emb.sin()

    def rope(t):
        h = t.shape[-1] // 2
        return t * cos + torch.cat([-t[..., h:], t[..., :h]], -1) * sin

    mask = torch.full((s, s), float('-inf')).triu(1)
    x = p['embed'][ids]
    for i in range(c['layers']):
        h = rms(x, p[f'{i}.ln1'])
        q = rope((h @ p[f'{i}.q'].T).view(b, s, nh, d).transpose(1, 2))
        k = rope((h @ p[f'{i}.k'].T).view(b, s, nkv, d).transpose(1, 2))
        v = (h @ p[f'{i}.v'].T).view(b, s, nkv, d).transpose(1, 2)
        k, v = k.repeat_interleave(nh // nkv, 1), v.repeat_interleave(nh // nkv, 1)
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + mask, -1) @ v
        x = x + a.transpose(1, 2).reshape(b, s, H) @ p[f'{i}.o'].T
        m = rms(x, p[f'{i}.ln2'])
        x = x + (F.silu(m @ p[f'{i}.gate'].T) * (m @ p[f'{i}.up'].T)) @ p[f'{i}.down'].T
    return rms(x, p['norm']) @ p['embed'].T


def timed(iterations, fn):
    fn()
    start = time.perf_counter()
    for _ in range(iterations):
        fn()
    return (time.perf_counter() - start) * 1000 / iterations


def main():
    c = json.loads(sys.argv[1])
    torch.set_num_threads(c.get('threads', 1))
    gen = torch.Generator().manual_seed(0)
    p = make_params(c, gen)
    ids = torch.randint(0, c['vocab'], (c['batch'], c['seq']), generator=gen)
    it = c.get('iterations', 3)
    tokens = c['batch'] * c['seq']

    with torch.no_grad():
        fwd_ms = timed(it, lambda: forward(c, p, ids))
    result = {'torch': torch.__version__, 'threads': torch.get_num_threads(),
              'forward': {'msPerBatch': fwd_ms, 'tokensPerSecond': tokens * 1000 / fwd_ms}, 'train': None}
    if c.get('train', True):
        opt = torch.optim.Adam(p.values(), lr=1e-4)

        def step():
            opt.zero_grad()
            logits = forward(c, p, ids)
            loss = F.cross_entropy(logits[:, :-1].reshape(-1, c['vocab']), ids[:, 1:].reshape(-1))
            loss.backward()
            opt.step()

        train_ms = timed(it, step)
        result['train'] = {'msPerStep': train_ms, 'tokensPerSecond': tokens * 1000 / train_ms}
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    mm_ms = timed(5, lambda: a @ b)
    result['matmulGflops'] = 2 * 1024 ** 3 / mm_ms / 1e6
    print(json.dumps(result))


if __name__ == '__main__':
    main()
