#!/usr/bin/python3
"""PyTorch peer of the engine benchmark: the studio's work, done in PyTorch on the same tokens.

Run by bench/models/torch-peer.ts with Debian's python3-torch (+ libopenblas0-pthread).
Reads one JSON object from the file named by argv[1] (see TorchPeerJob in torch-peer.ts):
the Llama config (the engine's LlamaConfig fields), the mode, the tokenized pairs, the
objective, optimizer and LoRA settings, warm-up and timed repetitions, and torch's
intra-op threads (OpenBLAS's come from OPENBLAS_NUM_THREADS). Prints one JSON object:
the time of every repetition, the losses, peak RSS, and which BLAS was loaded.

Modes, each the same work as the studio's path it mirrors:
  forward  engine.scoreBatch on one [2b, T] batch: logits, log-softmax at the targets,
           per-sequence sums over response tokens, the mean logit (the reference pass and
           evaluation do this), read back as numbers.
  full     Trainer.step() with full fine-tuning: score chosen and rejected rows in one
           [2b, T] batch, MMPO (M2-M9) against reference log-probs computed once before,
           backward, clip to the global norm, AdamW at the schedule's lr.
  lora     the same step with only LoRA adapters trainable (y = Wx + (alpha/r) B A x).

Evaluation modes (bench/eval), on a real HF folder's weights (`weightsDir`):
  score-pairs  main/evaluation's scoreInBatches as the eval job runs it: the given batches
               (the studio's own grouping, longest first), each padded and scored as
               `forward` does, every sequence's sums read back.
  generate     greedy decoding with a KV cache (past keys and values kept per layer), batch 1:
               the prompt in one forward, then one token per forward, only the last
               position's logits computed, for `newTokens` tokens per prompt, no stop token.
"""
import json
import math
import resource
import sys
import time

import torch
import torch.nn.functional as F


def load_safetensors(path, expected):
    """The studio's own weights (saveModel's model.safetensors, float32), so both sides start equal."""
    with open(path, 'rb') as f:
        raw = f.read()
    size = int.from_bytes(raw[:8], 'little')
    header = json.loads(raw[8:8 + size])
    data = bytearray(raw[8 + size:])
    out = {}
    for name, like in expected.items():
        entry = header.get(name)
        if entry is None or entry['dtype'] != 'F32' or list(entry['shape']) != list(like.shape):
            raise SystemExit(f'torch_peer.py: {path} has no float32 {name} of shape {list(like.shape)}')
        start, end = entry['data_offsets']
        out[name] = torch.frombuffer(data[start:end], dtype=torch.float32).reshape(like.shape).clone()
    return out


def rope_inverse_frequencies(head_dim, theta, scaling=None):
    """The engine's ropeInverseFrequencies (layers.ts): linear or Llama 3 frequency-dependent scaling."""
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    if not scaling:
        return inv
    if scaling['ropeType'] == 'linear':
        return inv / scaling['factor']
    factor, low, high = scaling['factor'], scaling['lowFreqFactor'], scaling['highFreqFactor']
    old = scaling['originalMaxPositionEmbeddings']
    wavelen = 2 * math.pi / inv
    smooth = (old / wavelen - low) / (high - low)
    medium = (1 - smooth) * (inv / factor) + smooth * inv
    out = torch.where(wavelen >= old / high, medium, inv)
    return torch.where(wavelen > old / low, inv / factor, out)


def load_hf_folder(folder, expected):
    """An HF folder's float32 weights, one file or shards (model.safetensors.index.json)."""
    import os
    index = os.path.join(folder, 'model.safetensors.index.json')
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)['weight_map'].values()))
    else:
        files = ['model.safetensors']
    out = {}
    for name in files:
        path = os.path.join(folder, name)
        with open(path, 'rb') as f:
            size = int.from_bytes(f.read(8), 'little')
            header = json.loads(f.read(size))
        wanted = {k: v for k, v in expected.items() if k in header}
        out.update(load_safetensors(path, wanted))
    missing = [k for k in expected if k not in out]
    if missing:
        raise SystemExit(f'torch_peer.py: {folder} lacks {", ".join(missing[:3])}')
    return out


class Llama:
    """The engine's llamaForward (main/engine/models/llama.ts) in torch, weights in HF layout."""

    def __init__(self, c, gen):
        unsupported = [k for k in ('qkvBias', 'oBias', 'mlpBias') if c.get(k)]
        if unsupported:
            raise SystemExit(f'torch_peer.py: {", ".join(unsupported)} not implemented in the peer')
        self.c = c
        H, I, V = c['hiddenSize'], c['intermediateSize'], c['vocabSize']
        d, kv = c['headDim'], c['numKvHeads'] * c['headDim']
        std = c.get('initializerRange', 0.02)

        def normal(*shape):
            return torch.randn(*shape, generator=gen) * std

        w = {'model.embed_tokens.weight': normal(V, H), 'model.norm.weight': torch.ones(H)}
        if not c['tieWordEmbeddings']:
            w['lm_head.weight'] = normal(V, H)
        for i in range(c['numLayers']):
            p = f'model.layers.{i}'
            w[f'{p}.input_layernorm.weight'] = torch.ones(H)
            w[f'{p}.post_attention_layernorm.weight'] = torch.ones(H)
            for name, shape in (('q_proj', (c['numHeads'] * d, H)), ('k_proj', (kv, H)), ('v_proj', (kv, H)), ('o_proj', (H, c['numHeads'] * d))):
                w[f'{p}.self_attn.{name}.weight'] = normal(*shape)
            for name, shape in (('gate_proj', (I, H)), ('up_proj', (I, H)), ('down_proj', (H, I))):
                w[f'{p}.mlp.{name}.weight'] = normal(*shape)
        if c.get('weightsFile'):
            w = load_safetensors(c['weightsFile'], w)
        if c.get('weightsDir'):
            w = load_hf_folder(c['weightsDir'], w)
        self.weights = w
        self.inv_freq = rope_inverse_frequencies(c['headDim'], c['ropeTheta'], c.get('ropeScaling'))
        self.lora = {}
        self.lora_scale = 0.0

    def add_lora(self, rank, alpha, targets, gen):
        """PEFT's init, as the engine's createLora: A kaiming-uniform (bound 1/sqrt(in)), B = 0."""
        self.lora_scale = alpha / rank
        for name, weight in self.weights.items():
            module = name[: -len('.weight')]
            if weight.dim() == 2 and module.split('.')[-1] in targets:
                out_dim, in_dim = weight.shape
                bound = 1 / math.sqrt(in_dim)
                a = ((torch.rand(rank, in_dim, generator=gen) * 2 - 1) * bound).requires_grad_()
                b = torch.zeros(out_dim, rank, requires_grad=True)
                self.lora[module] = (a, b)

    def linear(self, module, x):
        y = x @ self.weights[f'{module}.weight'].T
        if module in self.lora:
            a, b = self.lora[module]
            y = y + (x @ a.T) @ b.T * self.lora_scale
        return y

    def forward(self, ids, attention_mask):
        c = self.c
        bsz, s = ids.shape
        nh, nkv, d, H = c['numHeads'], c['numKvHeads'], c['headDim'], c['hiddenSize']
        eps = c['rmsNormEps']

        def rms(x, weight):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight

        # Positions from the mask (right padding: 0..n-1), tables [b, 1, s, d].
        positions = (attention_mask.cumsum(1) - 1).clamp(min=0)
        angles = positions[:, :, None] * self.inv_freq[None, None]
        emb = torch.cat([angles, angles], -1)[:, None]
        cos, sin = emb.cos(), emb.sin()

        def rope(t):
            half = t.shape[-1] // 2
            return t * cos + torch.cat([-t[..., half:], t[..., :half]], -1) * sin

        # The engine's additive bias: causal and padding, -1e9 where not allowed.
        causal = torch.ones(s, s).tril()
        bias = ((causal[None, None] * attention_mask[:, None, None, :]) - 1) * 1e9
        x = self.weights['model.embed_tokens.weight'][ids]
        rep = nh // nkv
        for i in range(c['numLayers']):
            p = f'model.layers.{i}'
            h = rms(x, self.weights[f'{p}.input_layernorm.weight'])
            q = rope(self.linear(f'{p}.self_attn.q_proj', h).view(bsz, s, nh, d).transpose(1, 2))
            k = rope(self.linear(f'{p}.self_attn.k_proj', h).view(bsz, s, nkv, d).transpose(1, 2))
            v = self.linear(f'{p}.self_attn.v_proj', h).view(bsz, s, nkv, d).transpose(1, 2)
            # Grouped-query heads share K and V without copies, as the engine's attention does.
            scores = (q.reshape(bsz, nkv, rep * s, d) @ k.transpose(-1, -2)) / math.sqrt(d)
            probs = torch.softmax(scores.view(bsz, nkv, rep, s, s) + bias[:, :, None], -1)
            attn = (probs.view(bsz, nkv, rep * s, s) @ v).view(bsz, nh, s, d).transpose(1, 2).reshape(bsz, s, nh * d)
            x = x + self.linear(f'{p}.self_attn.o_proj', attn)
            m = rms(x, self.weights[f'{p}.post_attention_layernorm.weight'])
            x = x + self.linear(f'{p}.mlp.down_proj', F.silu(self.linear(f'{p}.mlp.gate_proj', m)) * self.linear(f'{p}.mlp.up_proj', m))
        x = rms(x, self.weights['model.norm.weight'])
        head = self.weights['model.embed_tokens.weight' if c['tieWordEmbeddings'] else 'lm_head.weight']
        return x @ head.T


    def forward_cached(self, ids, cache):
        """Batch 1, unpadded: `ids` [1, s] follow cache['len'] tokens whose keys and values the cache holds
        (past_key_values); appends this step's, returns the last position's logits [1, vocab]."""
        c = self.c
        _, s = ids.shape
        past = cache['len']
        nh, nkv, d = c['numHeads'], c['numKvHeads'], c['headDim']
        eps = c['rmsNormEps']

        def rms(x, weight):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight

        angles = torch.arange(past, past + s, dtype=torch.float32)[:, None] * self.inv_freq[None]
        emb = torch.cat([angles, angles], -1)[None, None]
        cos, sin = emb.cos(), emb.sin()

        def rope(t):
            half = t.shape[-1] // 2
            return t * cos + torch.cat([-t[..., half:], t[..., :half]], -1) * sin

        # New token i (position past + i) sees keys 0..past + i.
        bias = (torch.ones(s, past + s).tril(diagonal=past) - 1) * 1e9
        x = self.weights['model.embed_tokens.weight'][ids]
        rep = nh // nkv
        for i in range(c['numLayers']):
            p = f'model.layers.{i}'
            h = rms(x, self.weights[f'{p}.input_layernorm.weight'])
            q = rope(self.linear(f'{p}.self_attn.q_proj', h).view(1, s, nh, d).transpose(1, 2))
            k = rope(self.linear(f'{p}.self_attn.k_proj', h).view(1, s, nkv, d).transpose(1, 2))
            v = self.linear(f'{p}.self_attn.v_proj', h).view(1, s, nkv, d).transpose(1, 2)
            if past:
                k = torch.cat([cache['k'][i], k], 2)
                v = torch.cat([cache['v'][i], v], 2)
            cache['k'][i], cache['v'][i] = k, v
            scores = (q.reshape(1, nkv, rep * s, d) @ k.transpose(-1, -2)) / math.sqrt(d)
            probs = torch.softmax(scores.view(1, nkv, rep, s, past + s) + bias, -1)
            attn = (probs.view(1, nkv, rep * s, past + s) @ v).view(1, nh, s, d).transpose(1, 2).reshape(1, s, nh * d)
            x = x + self.linear(f'{p}.self_attn.o_proj', attn)
            m = rms(x, self.weights[f'{p}.post_attention_layernorm.weight'])
            x = x + self.linear(f'{p}.mlp.down_proj', F.silu(self.linear(f'{p}.mlp.gate_proj', m)) * self.linear(f'{p}.mlp.up_proj', m))
        cache['len'] = past + s
        x = rms(x[:, -1], self.weights['model.norm.weight'])
        head = self.weights['model.embed_tokens.weight' if c['tieWordEmbeddings'] else 'lm_head.weight']
        return x @ head.T


def greedy(model, prompt, new_tokens):
    """generate() at temperature 0 with its KV cache: `new_tokens` tokens, no stop token."""
    cache = {'len': 0, 'k': [None] * model.c['numLayers'], 'v': [None] * model.c['numLayers']}
    logits = model.forward_cached(torch.tensor([prompt]), cache)
    out = []
    for step in range(new_tokens):
        out.append(int(logits[0].argmax()))
        if step + 1 < new_tokens:
            logits = model.forward_cached(torch.tensor([[out[-1]]]), cache)
    return out


def eval_mode(job, model):
    """score-pairs and generate: the timed work, and its output for the bench to check against the studio's."""
    if job['mode'] == 'score-pairs':
        def run():
            with torch.no_grad():
                out = []
                for batch in job['batches']:
                    sums, counts, _ = score(model, *pad_batch(batch, job.get('padId', 0)))
                    out.append(sums.tolist())
                return out
    else:
        def run():
            with torch.no_grad():
                return [greedy(model, prompt, job['newTokens']) for prompt in job['prompts']]

    for _ in range(job['warmup']):
        run()
    times, cpu, output = [], [], None
    for _ in range(job['reps']):
        started, cpu_started = time.perf_counter(), time.process_time()
        output = run()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return times, cpu, output


def pad_batch(examples, pad_id=0):
    """engine.padBatch: right-padded ids, attention mask, loss mask."""
    T = max(len(e['inputIds']) for e in examples)
    ids = torch.full((len(examples), T), pad_id, dtype=torch.long)
    attn = torch.zeros(len(examples), T)
    loss = torch.zeros(len(examples), T)
    for i, e in enumerate(examples):
        n = len(e['inputIds'])
        ids[i, :n] = torch.tensor(e['inputIds'])
        attn[i, :n] = 1
        loss[i, :n] = torch.tensor(e['lossMask'], dtype=torch.float32)
    return ids, attn, loss


def score(model, ids, attn, loss_mask):
    """engine.scoreTensors: per-row sum of response log-probs, token count, mean logit."""
    logits = model.forward(ids, attn)
    mask = torch.zeros_like(loss_mask)
    mask[:, :-1] = loss_mask[:, 1:] * attn[:, 1:]
    targets = torch.zeros_like(ids)
    targets[:, :-1] = ids[:, 1:]
    lse = torch.logsumexp(logits, -1)
    target_logit = logits.gather(-1, targets[..., None])[..., 0]
    token_logp = (target_logit - lse) * mask
    count = mask.sum(1)
    mean_logit = (logits.mean(-1) * mask).sum(1) / count.clamp(min=1)
    return token_logp.sum(1), count, mean_logit


def mmpo_loss(o, lw, ll, len_w, len_l, ref_w, ref_l):
    """objectives.ts mmpo(): (M2)-(M9); the entropy term (M10) is not implemented here."""
    if o.get('entropy'):
        raise SystemExit('torch_peer.py: the MMPO entropy term (M10) is not implemented in the peer')
    def norm(x, length):
        return x / length.clamp(min=1) if o['lengthNorm'] else x

    rw = o['epsilon'] + o['beta'] * norm(ref_w, len_w)
    rl = o['epsilonRejected'] + o['beta'] * norm(ref_l, len_l)
    if o['inBatchNorm']:
        both = torch.cat([rw, rl])
        lo, span = both.min(), both.max() - both.min() + 1e-6
        rw, rl = (rw + 1e-6 - lo) / span, (rl + 1e-6 - lo) / span
    sw, sl = norm(lw, len_w) + rw, norm(ll, len_l) + rl
    mml = -torch.logsumexp(torch.stack([sw, sl], 1), 1)
    pair = -F.logsigmoid(sw - sl)
    loss = (mml + o['lambdaPair'] * pair).mean()
    margin = sw - sl
    metrics = torch.stack([loss, sw.mean(), sl.mean(), (sw > sl).float().mean(), margin.mean(), lw.mean(), ll.mean(), torch.sigmoid(margin).mean()])
    return loss, metrics, torch.sigmoid(margin)


def lr_at(step, total, schedule, peak):
    """schedule.ts lrAt: linear warmup, then constant, linear or cosine decay."""
    warmup = math.ceil(total * schedule['warmupRatio'])
    if step < warmup:
        return peak * step / warmup
    if schedule['kind'] == 'constant':
        return peak
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    if schedule['kind'] == 'linear':
        return peak * (1 - progress)
    return peak * 0.5 * (1 + math.cos(math.pi * progress))


def blas_in_use():
    with open('/proc/self/maps') as f:
        maps = f.read()
    for name in ('openblas', 'mkl', 'blis'):
        if f'lib{name}' in maps:
            return name
    return 'reference BLAS (install libopenblas0-pthread)'


def main():
    with open(sys.argv[1]) as f:
        job = json.load(f)
    torch.set_num_threads(job['threads'])
    gen = torch.Generator().manual_seed(job.get('seed', 0))
    model = Llama(job['model'], gen)
    if job['mode'] in ('score-pairs', 'generate'):
        times, cpu, output = eval_mode(job, model)
        print(json.dumps({
            'torch': torch.__version__,
            'threads': torch.get_num_threads(),
            'blas': blas_in_use(),
            'timesMs': times,
            'cpuMs': cpu,
            'losses': [],
            'output': output,
            'peakRssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        }))
        return
    pairs = job['pairs']
    b = job['microBatchPairs']
    warmup, reps = job['warmup'], job['reps']
    times, cpu, losses = [], [], []

    def micro_batch(k):
        chosen = [pairs[(k * b + j) % len(pairs)] for j in range(b)]
        return chosen, [p['chosen'] for p in chosen] + [p['rejected'] for p in chosen]

    if job['mode'] == 'forward':
        _, examples = micro_batch(0)

        def run():
            with torch.no_grad():
                ids, attn, loss_mask = pad_batch(examples)
                out = torch.stack(score(model, ids, attn, loss_mask))
                out.tolist()
    else:
        # Reference log-probs of every pair, once, before training (Trainer.create).
        ref = []
        with torch.no_grad():
            for p in pairs:
                s, _, _ = score(model, *pad_batch([p['chosen'], p['rejected']]))
                ref.append(s.tolist())
        if job['mode'] == 'lora':
            lora = job['lora']
            model.add_lora(lora['rank'], lora['alpha'], lora['targetModules'], gen)
            trainable = [t for ab in model.lora.values() for t in ab]
        else:
            trainable = list(model.weights.values())
            for t in trainable:
                t.requires_grad_()
        opt_cfg = job['optimizer']
        optimizer = torch.optim.AdamW(trainable, lr=opt_cfg['lr'], betas=(opt_cfg['beta1'], opt_cfg['beta2']), eps=opt_cfg['eps'], weight_decay=opt_cfg['weightDecay'])
        total = warmup + reps
        state = {'step': 0}

        def run():
            k = state['step']
            chosen, examples = micro_batch(k)
            ids, attn, loss_mask = pad_batch(examples)
            optimizer.zero_grad(set_to_none=True)
            sums, counts, _ = score(model, ids, attn, loss_mask)
            idx = [(k * b + j) % len(pairs) for j in range(b)]
            ref_w = torch.tensor([ref[i][0] for i in idx])
            ref_l = torch.tensor([ref[i][1] for i in idx])
            loss, metrics, weights = mmpo_loss(job['objective'], sums[:b], sums[b:], counts[:b], counts[b:], ref_w, ref_l)
            loss.backward()
            metrics.tolist()
            weights.tolist()
            norm = torch.nn.utils.clip_grad_norm_(trainable, job['maxGradNorm']) if job['maxGradNorm'] else None
            if norm is not None:
                norm.item()
            for group in optimizer.param_groups:
                group['lr'] = lr_at(k, total, job['schedule'], opt_cfg['lr'])
            optimizer.step()
            state['step'] += 1
            losses.append(loss.item())

    for _ in range(warmup):
        run()
    for _ in range(reps):
        started, cpu_started = time.perf_counter(), time.process_time()
        run()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    print(json.dumps({
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'blas': blas_in_use(),
        'timesMs': times,
        'cpuMs': cpu,
        'losses': losses,
        # Linux reports ru_maxrss in KiB.
        'peakRssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == '__main__':
    main()
