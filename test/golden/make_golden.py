#!/usr/bin/python3
"""Writes tiny random Hugging Face model folders and their expected outputs.

Run by developers, not in CI, with Debian's python3-torch (no `transformers`):

    apt-get install -y python3-torch libopenblas0-pthread python3-jinja2
    /usr/bin/python3 test/golden/make_golden.py

For each of llama / qwen2 / gpt2 it writes test/fixtures/models/tiny-<name>/ with
config.json, safetensors weights (llama: two shards + index in F32; qwen2: BF16;
gpt2: F16 with old Hub-style names and attn.bias buffers), a byte-level BPE
tokenizer.json built here, tokenizer_config.json with a ChatML chat_template,
generation_config.json, and golden.json: logits and response log-probs from the
reference forward below (float64 on the stored weights), chat renderings from
jinja2 and token ids from a plain-Python byte-level BPE encoder.
"""
import json
import math
import os
import re
import shutil
import struct

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'models')
torch.manual_seed(1234)

# ---------------------------------------------------------------- tokenizer


def bytes_to_unicode():
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENC = bytes_to_unicode()
# GPT-2's split pattern restricted to ASCII (\p{L} -> [A-Za-z], \p{N} -> [0-9]); the
# golden texts are ASCII so this equals the real pattern on them.
PRETOKENIZE = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")
CORPUS = (
    'the cat sat on the mat. the dog ate the bone. hello world, hello there! '
    'what is the answer? the answer is yes. you are a helpful assistant. '
    'tell me a story about the sea and the sun. user assistant system '
) * 3
NUM_MERGES = 40
SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>']


def to_symbols(word):
    return [BYTE_ENC[b] for b in word.encode('utf-8')]


def train_bpe():
    words = {}
    for w in PRETOKENIZE.findall(CORPUS):
        key = tuple(to_symbols(w))
        words[key] = words.get(key, 0) + 1
    merges = []
    for _ in range(NUM_MERGES):
        pairs = {}
        for w, n in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + n
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda p: pairs[p])
        merges.append(best)
        merged = {}
        for w, n in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            merged[tuple(out)] = n
        words = merged
    vocab = {BYTE_ENC[b]: i for i, b in enumerate(range(256))}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    specials = {s: len(vocab) + i for i, s in enumerate(SPECIALS)}
    return vocab, merges, specials


def bpe_encode(text, vocab, merges, specials):
    ranks = {m: i for i, m in enumerate(merges)}
    ids = []
    parts = re.split('(' + '|'.join(re.escape(s) for s in SPECIALS) + ')', text)
    for part in parts:
        if part in specials:
            ids.append(specials[part])
            continue
        for w in PRETOKENIZE.findall(part):
            syms = to_symbols(w)
            while len(syms) > 1:
                cands = [(ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(syms, syms[1:]))]
                r, i = min(cands)
                if r == 1 << 30:
                    break
                syms = syms[:i] + [syms[i] + syms[i + 1]] + syms[i + 2:]
            ids.extend(vocab[s] for s in syms)
    return ids


CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def tokenizer_files(vocab, merges, specials):
    added = [
        {'id': i, 'content': s, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False, 'special': True}
        for s, i in specials.items()
    ]
    tok = {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': added,
        'normalizer': None,
        'pre_tokenizer': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True},
        'post_processor': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': False, 'use_regex': True},
        'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True},
        'model': {
            'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': None,
            'end_of_word_suffix': None, 'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': False,
            'vocab': vocab, 'merges': [[a, b] for a, b in merges],
        },
    }
    cfg = {
        'add_prefix_space': False,
        'added_tokens_decoder': {str(a['id']): {k: v for k, v in a.items() if k != 'id'} for a in added},
        'additional_special_tokens': ['<|im_start|>', '<|im_end|>'],
        'bos_token': '<|im_start|>',
        'eos_token': '<|im_end|>',
        'pad_token': '<|im_end|>',
        'unk_token': '<|endoftext|>',
        'chat_template': CHAT_TEMPLATE,
        'clean_up_tokenization_spaces': False,
        'model_max_length': 64,
        'tokenizer_class': 'GPT2Tokenizer',
        'vocab_size': len(vocab),
    }
    return tok, cfg


# ---------------------------------------------------------------- safetensors

DTYPES = {'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16}


def stored(t, dtype):
    """The value a reader gets back after storing `t` as `dtype`, in float64."""
    return t.to(DTYPES[dtype]).to(torch.float64)


def raw_bytes(t, dtype):
    t = t.to(DTYPES[dtype]).contiguous()
    if dtype == 'F32':
        return t.numpy().tobytes()
    return t.view(torch.int16).numpy().tobytes()


def write_safetensors(path, tensors, dtype):
    header, offset, blobs = {'__metadata__': {'format': 'pt'}}, 0, []
    for name, t in tensors.items():
        b = raw_bytes(t, dtype)
        header[name] = {'dtype': dtype, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


# ---------------------------------------------------------------- reference forward (float64)


def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rope_inv_freq(cfg):
    d = cfg.get('head_dim') or cfg['hidden_size'] // cfg['num_attention_heads']
    inv = 1.0 / (cfg['rope_theta'] ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    rs = cfg.get('rope_scaling')
    if rs and rs.get('rope_type') == 'llama3':
        factor, lo, hi, old = rs['factor'], rs['low_freq_factor'], rs['high_freq_factor'], rs['original_max_position_embeddings']
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > old / lo, inv / factor, inv)
        smooth = (old / wavelen - lo) / (hi - lo)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = (wavelen >= old / hi) & (wavelen <= old / lo)
        inv = torch.where(medium, smoothed, scaled)
    return inv


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], -1)


def causal_attention(q, k, v):
    s = q.shape[-2]
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    mask = torch.triu(torch.ones(s, s, dtype=torch.bool), 1)
    return torch.softmax(scores.masked_fill(mask, float('-inf')), -1) @ v


def llama_forward(cfg, w, ids):
    H, nh = cfg['hidden_size'], cfg['num_attention_heads']
    nkv, d = cfg['num_key_value_heads'], H // nh
    s = len(ids)
    x = w['model.embed_tokens.weight'][ids]
    pos = torch.arange(s, dtype=torch.float64)
    ang = pos[:, None] * rope_inv_freq(cfg)[None, :]
    emb = torch.cat([ang, ang], -1)
    cos, sin = emb.cos(), emb.sin()

    def lin(name, t):
        y = t @ w[name + '.weight'].T
        return y + w[name + '.bias'] if name + '.bias' in w else y

    for i in range(cfg['num_hidden_layers']):
        p = f'model.layers.{i}'
        h = rms_norm(x, w[p + '.input_layernorm.weight'], cfg['rms_norm_eps'])
        q = lin(p + '.self_attn.q_proj', h).view(s, nh, d).transpose(0, 1)
        k = lin(p + '.self_attn.k_proj', h).view(s, nkv, d).transpose(0, 1)
        v = lin(p + '.self_attn.v_proj', h).view(s, nkv, d).transpose(0, 1)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = k.repeat_interleave(nh // nkv, 0), v.repeat_interleave(nh // nkv, 0)
        a = causal_attention(q, k, v).transpose(0, 1).reshape(s, H)
        x = x + lin(p + '.self_attn.o_proj', a)
        m = rms_norm(x, w[p + '.post_attention_layernorm.weight'], cfg['rms_norm_eps'])
        g = lin(p + '.mlp.gate_proj', m)
        x = x + lin(p + '.mlp.down_proj', torch.nn.functional.silu(g) * lin(p + '.mlp.up_proj', m))
    x = rms_norm(x, w['model.norm.weight'], cfg['rms_norm_eps'])
    head = w['model.embed_tokens.weight'] if cfg['tie_word_embeddings'] else w['lm_head.weight']
    return x @ head.T


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def gelu_new(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def gpt2_forward(cfg, w, ids):
    E, nh = cfg['n_embd'], cfg['n_head']
    d, s, eps = E // nh, len(ids), cfg['layer_norm_epsilon']
    x = w['wte.weight'][ids] + w['wpe.weight'][torch.arange(s)]
    for i in range(cfg['n_layer']):
        p = f'h.{i}'
        h = layer_norm(x, w[p + '.ln_1.weight'], w[p + '.ln_1.bias'], eps)
        qkv = h @ w[p + '.attn.c_attn.weight'] + w[p + '.attn.c_attn.bias']
        q, k, v = (t.view(s, nh, d).transpose(0, 1) for t in qkv.split(E, -1))
        a = causal_attention(q, k, v).transpose(0, 1).reshape(s, E)
        x = x + a @ w[p + '.attn.c_proj.weight'] + w[p + '.attn.c_proj.bias']
        m = layer_norm(x, w[p + '.ln_2.weight'], w[p + '.ln_2.bias'], eps)
        f = gelu_new(m @ w[p + '.mlp.c_fc.weight'] + w[p + '.mlp.c_fc.bias'])
        x = x + f @ w[p + '.mlp.c_proj.weight'] + w[p + '.mlp.c_proj.bias']
    x = layer_norm(x, w['ln_f.weight'], w['ln_f.bias'], eps)
    return x @ w['wte.weight'].T


# ---------------------------------------------------------------- weights


def rand(*shape, std=0.2):
    return torch.randn(*shape, dtype=torch.float32) * std


def near_one(n):
    return 1 + rand(n, std=0.1)


def llama_weights(cfg):
    H, I, V = cfg['hidden_size'], cfg['intermediate_size'], cfg['vocab_size']
    d = H // cfg['num_attention_heads']
    q, kv = cfg['num_attention_heads'] * d, cfg['num_key_value_heads'] * d
    bias = cfg['model_type'] == 'qwen2'
    w = {'model.embed_tokens.weight': rand(V, H, std=1.0)}
    for i in range(cfg['num_hidden_layers']):
        p = f'model.layers.{i}'
        w[p + '.input_layernorm.weight'] = near_one(H)
        for n, o, inp in [('q_proj', q, H), ('k_proj', kv, H), ('v_proj', kv, H), ('o_proj', H, q)]:
            w[f'{p}.self_attn.{n}.weight'] = rand(o, inp)
            if bias and n != 'o_proj':
                w[f'{p}.self_attn.{n}.bias'] = rand(o, std=0.1)
        w[p + '.post_attention_layernorm.weight'] = near_one(H)
        for n, o, inp in [('gate_proj', I, H), ('up_proj', I, H), ('down_proj', H, I)]:
            w[f'{p}.mlp.{n}.weight'] = rand(o, inp)
    w['model.norm.weight'] = near_one(H)
    if not cfg['tie_word_embeddings']:
        w['lm_head.weight'] = rand(V, H)
    return w


def gpt2_weights(cfg):
    E, V, P = cfg['n_embd'], cfg['vocab_size'], cfg['n_positions']
    w = {'wte.weight': rand(V, E, std=0.5), 'wpe.weight': rand(P, E, std=0.1)}
    for i in range(cfg['n_layer']):
        p = f'h.{i}'
        w[p + '.ln_1.weight'], w[p + '.ln_1.bias'] = near_one(E), rand(E, std=0.1)
        w[p + '.attn.c_attn.weight'], w[p + '.attn.c_attn.bias'] = rand(E, 3 * E), rand(3 * E, std=0.1)
        w[p + '.attn.c_proj.weight'], w[p + '.attn.c_proj.bias'] = rand(E, E), rand(E, std=0.1)
        w[p + '.ln_2.weight'], w[p + '.ln_2.bias'] = near_one(E), rand(E, std=0.1)
        w[p + '.mlp.c_fc.weight'], w[p + '.mlp.c_fc.bias'] = rand(E, 4 * E), rand(4 * E, std=0.1)
        w[p + '.mlp.c_proj.weight'], w[p + '.mlp.c_proj.bias'] = rand(4 * E, E), rand(E, std=0.1)
        # The causal-mask buffer real GPT-2 checkpoints carry; loaders must skip it.
        w[p + '.attn.bias'] = torch.tril(torch.ones(P, P)).view(1, 1, P, P)
    w['ln_f.weight'], w['ln_f.bias'] = near_one(E), rand(E, std=0.1)
    return w


# ---------------------------------------------------------------- fixtures


def log_probs(logits, ids, start):
    """Sum/mean of log p(ids[t] | ids[<t]) for response positions t >= start."""
    lp = torch.log_softmax(logits, -1)
    toks = [lp[t - 1, ids[t]].item() for t in range(start, len(ids))]
    return {'tokenLogProbs': toks, 'sum': sum(toks), 'mean': sum(toks) / len(toks), 'count': len(toks),
            'meanLogit': logits[start - 1:len(ids) - 1].mean().item()}


def main():
    import jinja2

    vocab, merges, specials = train_bpe()
    V = len(vocab) + len(specials)
    tok_json, tok_cfg = tokenizer_files(vocab, merges, specials)
    eos, bos = specials['<|im_end|>'], specials['<|im_start|>']
    env = jinja2.Environment()
    chat_cases = [
        {'messages': [{'role': 'user', 'content': 'What is the answer?'}], 'add_generation_prompt': True},
        {'messages': [{'role': 'system', 'content': 'Be brief.'}, {'role': 'user', 'content': 'hello'},
                      {'role': 'assistant', 'content': 'hello there!'}], 'add_generation_prompt': False},
    ]
    for c in chat_cases:
        c['expected'] = env.from_string(CHAT_TEMPLATE).render(messages=c['messages'], add_generation_prompt=c['add_generation_prompt'])
    texts = ['the cat sat on the mat.', 'Hello world, what is 42?', "it's the dog's bone", '<|im_start|>user\nhi<|im_end|>\n']
    tokenizer_cases = [{'text': t, 'ids': bpe_encode(t, vocab, merges, specials)} for t in texts]
    sequences = [
        {'ids': bpe_encode('the cat sat on the mat. the dog ate the bone.', vocab, merges, specials)[:14], 'responseStart': 6},
        {'ids': bpe_encode('hello world, hello there!', vocab, merges, specials)[:9], 'responseStart': 3},
    ]

    models = {
        'tiny-llama': ('llama', {
            'architectures': ['LlamaForCausalLM'], 'model_type': 'llama', 'vocab_size': V, 'hidden_size': 32,
            'intermediate_size': 64, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 2,
            'hidden_act': 'silu', 'max_position_embeddings': 128, 'rms_norm_eps': 1e-5, 'rope_theta': 10000.0,
            'rope_scaling': {'rope_type': 'llama3', 'factor': 8.0, 'low_freq_factor': 1.0, 'high_freq_factor': 4.0,
                             'original_max_position_embeddings': 64},
            'tie_word_embeddings': False, 'attention_bias': False, 'mlp_bias': False, 'initializer_range': 0.02,
            'bos_token_id': bos, 'eos_token_id': eos, 'torch_dtype': 'float32'}, 'F32'),
        'tiny-qwen2': ('qwen2', {
            'architectures': ['Qwen2ForCausalLM'], 'model_type': 'qwen2', 'vocab_size': V, 'hidden_size': 32,
            'intermediate_size': 48, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 1,
            'hidden_act': 'silu', 'max_position_embeddings': 128, 'rms_norm_eps': 1e-6, 'rope_theta': 1000000.0,
            'tie_word_embeddings': True, 'use_sliding_window': False, 'initializer_range': 0.02,
            'bos_token_id': bos, 'eos_token_id': eos, 'torch_dtype': 'bfloat16'}, 'BF16'),
        'tiny-gpt2': ('gpt2', {
            'architectures': ['GPT2LMHeadModel'], 'model_type': 'gpt2', 'vocab_size': V, 'n_embd': 32, 'n_layer': 2,
            'n_head': 4, 'n_positions': 64, 'n_inner': None, 'layer_norm_epsilon': 1e-5, 'activation_function': 'gelu_new',
            'initializer_range': 0.02, 'bos_token_id': bos, 'eos_token_id': eos, 'torch_dtype': 'float16'}, 'F16'),
    }
    for name, (kind, cfg, dtype) in models.items():
        out = os.path.join(ROOT, name)
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        w = llama_weights(cfg) if kind != 'gpt2' else gpt2_weights(cfg)
        w64 = {k: stored(t, dtype) for k, t in w.items()}
        if name == 'tiny-llama':
            names = list(w)
            shards = {'model-00001-of-00002.safetensors': names[: len(names) // 2],
                      'model-00002-of-00002.safetensors': names[len(names) // 2:]}
            for f, ns in shards.items():
                write_safetensors(os.path.join(out, f), {n: w[n] for n in ns}, dtype)
            index = {'metadata': {'total_size': sum(t.numel() * 4 for t in w.values())},
                     'weight_map': {n: f for f, ns in shards.items() for n in ns}}
            with open(os.path.join(out, 'model.safetensors.index.json'), 'w') as fh:
                json.dump(index, fh, indent=2)
        else:
            write_safetensors(os.path.join(out, 'model.safetensors'), w, dtype)
        with open(os.path.join(out, 'config.json'), 'w') as fh:
            json.dump(cfg, fh, indent=2)
        with open(os.path.join(out, 'tokenizer.json'), 'w') as fh:
            json.dump(tok_json, fh, ensure_ascii=False)
        with open(os.path.join(out, 'tokenizer_config.json'), 'w') as fh:
            json.dump(tok_cfg, fh, indent=2, ensure_ascii=False)
        with open(os.path.join(out, 'generation_config.json'), 'w') as fh:
            json.dump({'bos_token_id': bos, 'eos_token_id': eos, 'do_sample': False}, fh, indent=2)

        fwd = gpt2_forward if kind == 'gpt2' else llama_forward
        golden = {'sequences': []}
        for seq in sequences:
            logits = fwd(cfg, w64, torch.tensor(seq['ids']))
            golden['sequences'].append({
                **seq,
                'logits': [[float('%.7g' % v) for v in row] for row in logits.tolist()],
                'logProbs': log_probs(logits, seq['ids'], seq['responseStart']),
            })
        golden['chat'] = chat_cases
        golden['tokenizer'] = tokenizer_cases
        with open(os.path.join(out, 'golden.json'), 'w') as fh:
            json.dump(golden, fh)
        print(name, 'params', sum(t.numel() for t in w.values()), 'bytes', sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out)))
        if name in LORA_TARGETS:
            write_lora(name, kind, cfg, w64, fwd, sequences[0])


# LoRA adapters in PEFT's layout for two of the models (GPT-2 uses fan_in_fan_out).
LORA_TARGETS = {'tiny-llama': ['q_proj', 'v_proj', 'down_proj'], 'tiny-gpt2': ['c_attn', 'c_fc']}
LORA_RANK, LORA_ALPHA = 4, 8


def write_lora(name, kind, cfg, w64, fwd, seq):
    gen = torch.Generator().manual_seed(99)
    out = os.path.join(ROOT, name + '-lora')
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    tensors, merged = {}, dict(w64)
    scale = LORA_ALPHA / LORA_RANK
    for key in w64:
        module = key[:-len('.weight')] if key.endswith('.weight') else None
        if not module or module.split('.')[-1] not in LORA_TARGETS[name] or w64[key].dim() != 2:
            continue
        W = w64[key]
        fan_in, fan_out = (W.shape[0], W.shape[1]) if kind == 'gpt2' else (W.shape[1], W.shape[0])
        A = torch.randn(LORA_RANK, fan_in, generator=gen) * 0.2
        B = torch.randn(fan_out, LORA_RANK, generator=gen) * 0.2
        peft_module = ('transformer.' + module) if kind == 'gpt2' else module
        tensors[f'base_model.model.{peft_module}.lora_A.weight'] = A
        tensors[f'base_model.model.{peft_module}.lora_B.weight'] = B
        delta = scale * (B.double() @ A.double())
        merged[key] = W + (delta.T if kind == 'gpt2' else delta)
    write_safetensors(os.path.join(out, 'adapter_model.safetensors'), tensors, 'F32')
    with open(os.path.join(out, 'adapter_config.json'), 'w') as fh:
        json.dump({'peft_type': 'LORA', 'task_type': 'CAUSAL_LM', 'base_model_name_or_path': '../' + name, 'r': LORA_RANK,
                   'lora_alpha': LORA_ALPHA, 'lora_dropout': 0.0, 'target_modules': LORA_TARGETS[name], 'bias': 'none',
                   'fan_in_fan_out': kind == 'gpt2', 'use_rslora': False, 'use_dora': False, 'inference_mode': True}, fh, indent=2)
    logits = fwd(cfg, merged, torch.tensor(seq['ids']))
    with open(os.path.join(out, 'golden.json'), 'w') as fh:
        json.dump({'ids': seq['ids'], 'logits': [[float('%.7g' % v) for v in row] for row in logits.tolist()]}, fh)


if __name__ == '__main__':
    main()
