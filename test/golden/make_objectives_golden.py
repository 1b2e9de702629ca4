#!/usr/bin/python3
"""Writes test/golden/objectives.json: every training objective's loss, TRL metrics
and gradients on fixed tensors, computed by PyTorch (float64 autograd) from
../shared/mmpo-spec.md, independently of the studio's TypeScript.

Run by developers, not in CI, with Debian's python3-torch:

    apt-get install -y python3-torch
    /usr/bin/python3 test/golden/make_objectives_golden.py

test/unit/training/objectives-golden.test.ts checks main/training/objectives.ts
against the file at 1e-5.

The leaves are token-level: per response position t, log πθ(y_t | x, y_<t)
("token_logp") and, for the entropy term (M10), the next-token entropy H_t
("token_entropy"), with a mask that is 1 on response tokens. A sequence's
ℓθ(y|x) is the masked sum, its length the mask's sum. Gradients are of the
batch loss with respect to those leaves, for the chosen and rejected side.
"""
import json
import os
import re

import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'objectives.json')

B, T = 4, 7
gen = torch.Generator().manual_seed(2026)


def fixed(shape, lo, hi):
    # Rounded so the JSON holds exactly the values both sides compute from.
    return torch.round((lo + (hi - lo) * torch.rand(shape, generator=gen)) * 1e4) / 1e4


# Response masks: prompt positions (leading zeros) and padding (trailing zeros) carry no loss.
MASK_CHOSEN = torch.tensor([[0, 0, 1, 1, 1, 1, 0], [0, 1, 1, 1, 1, 1, 1], [0, 0, 0, 1, 0, 0, 0], [0, 0, 1, 1, 1, 0, 0]], dtype=torch.float64)
MASK_REJECTED = torch.tensor([[0, 0, 1, 1, 1, 1, 1], [0, 1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1, 1], [0, 0, 1, 1, 0, 0, 0]], dtype=torch.float64)
INPUTS = {
    'chosen': {'token_logp': fixed((B, T), -3.0, -0.05), 'token_entropy': fixed((B, T), 0.1, 3.0), 'mask': MASK_CHOSEN},
    'rejected': {'token_logp': fixed((B, T), -3.5, -0.05), 'token_entropy': fixed((B, T), 0.1, 3.0), 'mask': MASK_REJECTED},
    # ℓref(y|x): summed log-probs under the frozen reference (constants).
    'ref_chosen': torch.tensor([-5.1, -9.7, -1.3, -4.4]),
    'ref_rejected': torch.tensor([-6.2, -4.9, -7.5, -2.8]),
}


def log_sigmoid(x):
    return -torch.nn.functional.softplus(-x)


class Side:
    def __init__(self, raw, need_entropy):
        self.token_logp = raw['token_logp'].clone().requires_grad_(True)
        self.token_entropy = raw['token_entropy'].clone().requires_grad_(need_entropy)
        self.mask = raw['mask']
        self.logp = (self.token_logp * self.mask).sum(1)          # ℓθ(y|x), [b]
        self.length = self.mask.sum(1).clamp(min=1)               # response tokens, min 1

    def avg(self):
        return self.logp / self.length                            # ℓ̄θ(y|x)

    def h_obj(self, length_norm):
        # (M10) H_obj(y) = Σ_t [ stopgrad(H_t) · ℓθ(y_<t|x) + H_t ] over response tokens.
        lp = self.token_logp * self.mask
        prefix = torch.cumsum(lp, 1) - lp                         # ℓθ(y_<t|x): log-likelihood before t
        h = self.token_entropy
        total = ((h.detach() * prefix + h) * self.mask).sum(1)
        return total / self.length if length_norm else total


def trl_metrics(chosen, rejected, rw, rl):
    return {
        'rewards/chosen': rw.mean(),
        'rewards/rejected': rl.mean(),
        'rewards/accuracies': (rw > rl).double().mean(),
        'rewards/margins': (rw - rl).mean(),
        'logps/chosen': chosen.logp.mean(),
        'logps/rejected': rejected.logp.mean(),
    }


def mmpo(c, w, l, ref_w, ref_l):
    n = (lambda x, side: x / side.length) if c['lengthNorm'] else (lambda x, side: x)
    # (M5) r = ε + β·ℓref; (M6) min–max over all 2b values of the micro-batch; (M7) constants.
    r_w = c['epsilon'] + c['beta'] * n(ref_w, w)
    r_l = c['epsilonRejected'] + c['beta'] * n(ref_l, l)
    if c['inBatchNorm']:
        all_r = torch.cat([r_w, r_l])
        lo, hi = all_r.min(), all_r.max()
        r_w = (r_w + 1e-6 - lo) / (hi - lo + 1e-6)
        r_l = (r_l + 1e-6 - lo) / (hi - lo + 1e-6)
    s_w = n(w.logp, w) + r_w                                      # (M2)
    s_l = n(l.logp, l) + r_l
    l_mml = -torch.logsumexp(torch.stack([s_w, s_l], 1), 1)      # (M3)
    l_pair = -log_sigmoid(s_w - s_l)                              # (M8)
    loss = (l_mml + c['lambdaPair'] * l_pair).mean()              # (M9)
    metrics = trl_metrics(w, l, s_w, s_l)
    metrics['mmpo/weight_chosen'] = torch.softmax(torch.stack([s_w, s_l], 1), 1)[:, 0].mean()   # (M4)
    if c['entropy']:
        h = torch.cat([w.h_obj(c['lengthNorm']), l.h_obj(c['lengthNorm'])]).mean()
        metrics['entropy_objective'] = h
        loss = loss + c['beta'] * -h                              # (M10)
    return loss, metrics


def dpo(c, w, l, ref_w, ref_l):
    rw = c['beta'] * (w.logp - ref_w)
    rl = c['beta'] * (l.logp - ref_l)
    return (-log_sigmoid(rw - rl)).mean(), trl_metrics(w, l, rw, rl)


def ipo(c, w, l, ref_w, ref_l):
    dw = w.avg() - ref_w / w.length
    dl = l.avg() - ref_l / l.length
    loss = ((dw - dl - 1 / (2 * c['beta'])) ** 2).mean()
    return loss, trl_metrics(w, l, c['beta'] * dw, c['beta'] * dl)


def simpo(c, w, l, *_):
    lw, ll = (w.avg(), l.avg()) if c['averageLogps'] else (w.logp, l.logp)
    gamma = c['beta'] * c['gammaBetaRatio']                       # γ from γ/β, as the SimPO authors set it
    loss = (-log_sigmoid(c['beta'] * (lw - ll) - gamma)).mean()
    return loss, trl_metrics(w, l, c['beta'] * lw, c['beta'] * ll)


def orpo(c, w, l, *_):
    lw, ll = w.avg(), l.avg()
    log_odds = lambda x: x - torch.log1p(-torch.exp(x))          # log p/(1−p), p = exp(ℓ̄)
    ratio = log_sigmoid(log_odds(lw) - log_odds(ll))
    loss = (-lw - c['lambda'] * ratio).mean()
    metrics = trl_metrics(w, l, c['lambda'] * lw, c['lambda'] * ll)
    metrics['orpo/log_odds_ratio'] = ratio.mean()
    return loss, metrics


def sft(c, w, l, *_):
    lw = w.avg() if c['lengthNorm'] else w.logp
    return (-lw).mean(), {'logps/chosen': w.logp.mean()}


OBJECTIVES = {'mmpo': mmpo, 'dpo': dpo, 'ipo': ipo, 'simpo': simpo, 'orpo': orpo, 'sft': sft}

MMPO = {'objective': 'mmpo', 'lambdaPair': 1, 'inBatchNorm': True, 'lengthNorm': False, 'entropy': False, 'epsilon': 0.9, 'epsilonRejected': 0.1, 'beta': 0.05}
MML = {**MMPO, 'lambdaPair': 0}
CASES = {
    # The presets of shared/objectives.ts.
    'preset mmpo': MMPO,
    'preset mmpo-mml': MML,
    'preset dpo': {'objective': 'dpo', 'beta': 0.1},
    'preset ipo': {'objective': 'ipo', 'beta': 0.1},
    'preset simpo': {'objective': 'simpo', 'beta': 2, 'gammaBetaRatio': 1.6, 'averageLogps': True},
    'preset orpo': {'objective': 'orpo', 'lambda': 0.1},
    'preset sft': {'objective': 'sft', 'lengthNorm': False},
    # MMPO's switches, one at a time on both values of λ_pair, and together.
    'mmpo no in-batch norm': {**MMPO, 'inBatchNorm': False},
    'mmpo-mml no in-batch norm': {**MML, 'inBatchNorm': False},
    'mmpo length norm': {**MMPO, 'lengthNorm': True},
    'mmpo-mml length norm': {**MML, 'lengthNorm': True},
    'mmpo entropy': {**MMPO, 'entropy': True},
    'mmpo-mml entropy': {**MML, 'entropy': True},
    'mmpo-mml entropy length norm': {**MML, 'entropy': True, 'lengthNorm': True},
    'mmpo epsilon': {**MMPO, 'epsilon': 0.6},
    'mmpo-mml epsilon rejected': {**MML, 'epsilonRejected': 0.4},
    'mmpo-mml epsilons beta no norm': {**MML, 'epsilon': 0.7, 'epsilonRejected': 0.3, 'beta': 0.5, 'inBatchNorm': False},
    'mmpo free lambda 0.5': {**MMPO, 'lambdaPair': 0.5},
    # Baselines' other settings.
    'dpo beta 0.5': {'objective': 'dpo', 'beta': 0.5},
    'ipo beta 0.5': {'objective': 'ipo', 'beta': 0.5},
    'simpo summed logps': {'objective': 'simpo', 'beta': 0.05, 'gammaBetaRatio': 1.0, 'averageLogps': False},
    'orpo lambda 0.5': {'objective': 'orpo', 'lambda': 0.5},
    'sft length norm': {'objective': 'sft', 'lengthNorm': True},
}


def rows(t):
    return [[round(float(v), 12) for v in row] for row in t.tolist()]


def run_case(config):
    need_entropy = config.get('entropy', False)
    w = Side(INPUTS['chosen'], need_entropy)
    l = Side(INPUTS['rejected'], need_entropy)
    loss, metrics = OBJECTIVES[config['objective']](config, w, l, INPUTS['ref_chosen'], INPUTS['ref_rejected'])
    loss.backward()
    zero = torch.zeros(B, T)
    grad = {
        'chosen_token_logp': rows(w.token_logp.grad if w.token_logp.grad is not None else zero),
        'rejected_token_logp': rows(l.token_logp.grad if l.token_logp.grad is not None else zero),
    }
    if need_entropy:
        grad['chosen_token_entropy'] = rows(w.token_entropy.grad)
        grad['rejected_token_entropy'] = rows(l.token_entropy.grad)
    metrics['loss'] = loss
    return {'config': config, 'loss': float(loss), 'metrics': {k: float(v) for k, v in metrics.items()}, 'grad': grad}


def main():
    doc = {
        'about': 'Written by test/golden/make_objectives_golden.py (PyTorch %s, float64) from mmpo-spec.md; do not edit.' % torch.__version__,
        'inputs': {
            'chosen': {k: rows(v) for k, v in INPUTS['chosen'].items()},
            'rejected': {k: rows(v) for k, v in INPUTS['rejected'].items()},
            'ref_chosen': INPUTS['ref_chosen'].tolist(),
            'ref_rejected': INPUTS['ref_rejected'].tolist(),
        },
        'cases': {name: run_case(config) for name, config in CASES.items()},
    }
    text = json.dumps(doc, indent=1)
    # One line per row of numbers, so a diff of the file reads.
    text = re.sub(r'\[([^\[\]{}"]*)\]', lambda m: '[' + re.sub(r'\s+', ' ', m.group(1)).strip() + ']', text)
    with open(OUT, 'w') as f:
        f.write(text + '\n')
    print('wrote', OUT, len(CASES), 'cases')


if __name__ == '__main__':
    main()
