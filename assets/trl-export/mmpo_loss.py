"""MMPO (Maximum Marginal Likelihood Preference Optimization) as a loss over
per-sequence log-probabilities, written by Alignment Studio's TRL export.

It imports only torch, so it can be tested without TRL; train.py plugs it into
a DPOTrainer subclass. Equation labels (M1-M10) are those of the studio's
mmpo-spec.md; every switch of the studio's MMPO objective is an argument here,
with the studio's defaults (the `mmpo` preset: lambda_pair = 1; `mmpo-mml`:
lambda_pair = 0).

Shapes: b = pairs in the micro-batch; every per-sequence tensor is [b].
"""
import torch
import torch.nn.functional as F


def in_batch_normalise(r_w, r_l, reduce_range=None):
    """(M6) r~ = (r + 1e-6 - min R) / (max R - min R + 1e-6), R = all 2b values of the micro-batch.

    reduce_range: when the micro-batch is split across processes, a function taking this process's
    (min, max) and returning the whole micro-batch's (train.py reduces them over the processes); R is
    made of constants (M7), so no gradient needs to cross processes.
    """
    all_r = torch.cat([r_w, r_l])
    lo, hi = all_r.min(), all_r.max()
    if reduce_range is not None:
        lo, hi = reduce_range(lo, hi)
    span = hi - lo + 1e-6
    return (r_w + 1e-6 - lo) / span, (r_l + 1e-6 - lo) / span


def entropy_objective(token_logps, token_entropy, mask, length_norm=False):
    """(M10) H_obj(y) = sum_t [ stopgrad(H_t) * l(y_<t|x) + H_t ] per sequence.

    token_logps: log p(y_t | x, y_<t) at each position, [b, T]
    token_entropy: H_t, the entropy of the next-token distribution, [b, T]
    mask: 1 on response tokens, [b, T]
    """
    mask = mask.to(token_logps.dtype)
    masked = token_logps * mask
    # l(y_<t|x): the log-likelihood of the response before position t (exclusive prefix sum).
    prefix = torch.cumsum(masked, dim=1) - masked
    total = ((token_entropy.detach() * prefix + token_entropy) * mask).sum(dim=1)
    if length_norm:
        total = total / mask.sum(dim=1).clamp(min=1)
    return total


def mmpo_loss(
    chosen_logps,
    rejected_logps,
    ref_chosen_logps,
    ref_rejected_logps,
    chosen_lengths,
    rejected_lengths,
    *,
    lambda_pair=1.0,
    in_batch_norm=True,
    length_norm=False,
    epsilon=0.9,
    epsilon_rejected=0.1,
    beta=0.05,
    chosen_entropy_objective=None,
    rejected_entropy_objective=None,
    reduce_range=None,
):
    """The MMPO batch loss (M2)-(M10), its TRL-named metrics and the chosen weights w_w (M4).

    chosen_logps, rejected_logps: l(y|x), summed log-probs over response tokens (differentiable).
    ref_chosen_logps, ref_rejected_logps: the same under the frozen reference model (constants).
    chosen_lengths, rejected_lengths: response tokens per sequence (min 1 is applied here).
    chosen_entropy_objective, rejected_entropy_objective: H_obj per sequence (entropy_objective()),
    given exactly when the entropy term (M10) is on.
    reduce_range: see in_batch_normalise (only for a micro-batch split across processes).
    Returns (loss, metrics, weight_chosen): metrics are detached batch means under TRL's names.
    """
    chosen_lengths = chosen_lengths.to(chosen_logps.dtype).clamp(min=1)
    rejected_lengths = rejected_lengths.to(rejected_logps.dtype).clamp(min=1)

    def norm(x, lengths):
        return x / lengths if length_norm else x

    lw = norm(chosen_logps, chosen_lengths)
    ll = norm(rejected_logps, rejected_lengths)
    # (M5) reference-based log P* terms; (M7) constants: no gradient flows through them.
    r_w = (epsilon + beta * norm(ref_chosen_logps, chosen_lengths)).detach()
    r_l = (epsilon_rejected + beta * norm(ref_rejected_logps, rejected_lengths)).detach()
    log_p_w, log_p_l = in_batch_normalise(r_w, r_l, reduce_range) if in_batch_norm else (r_w, r_l)
    # (M2) scores of the two terms of the marginal.
    s_w = lw + log_p_w
    s_l = ll + log_p_l
    # (M3) L_mml = -lse(s_w, s_l), stably.
    mml = -torch.logsumexp(torch.stack([s_w, s_l], dim=1), dim=1)
    # (M8) L_pair = -log sigma(s_w - s_l); (M9) L = L_mml + lambda_pair * L_pair.
    pair = -F.logsigmoid(s_w - s_l)
    loss = (mml + lambda_pair * pair).mean()
    # (M4) the weights of the likelihood gradient: softmax(s_w, s_l).
    weight_chosen = torch.sigmoid(s_w - s_l)
    metrics = {
        "rewards/chosen": s_w.mean(),
        "rewards/rejected": s_l.mean(),
        "rewards/accuracies": (s_w > s_l).to(s_w.dtype).mean(),
        "rewards/margins": (s_w - s_l).mean(),
        "logps/chosen": chosen_logps.mean(),
        "logps/rejected": rejected_logps.mean(),
        "mmpo/weight_chosen": weight_chosen.mean(),
    }
    if (chosen_entropy_objective is None) != (rejected_entropy_objective is None):
        raise ValueError("mmpo_loss: give the entropy objective of both sides or of neither")
    if chosen_entropy_objective is not None:
        # (M10) batch loss += beta * mean over responses of (-H_obj).
        h_mean = torch.cat([chosen_entropy_objective, rejected_entropy_objective]).mean()
        metrics["entropy_objective"] = h_mean
        loss = loss + beta * -h_mean
    metrics = {name: value.detach() for name, value in metrics.items()}
    metrics["loss"] = loss.detach()
    return loss, metrics, weight_chosen.detach()
