"""Runs an exported project's mmpo_loss.py on fixed token-level tensors (float64 autograd).

Usage: python mmpo_parity.py EXPORT_DIR < cases.json > results.json
Input: {"inputs": {"chosen": {"token_logp", "token_entropy", "mask"}, "rejected": {...},
                   "ref_chosen": [...], "ref_rejected": [...]},
        "cases": {name: {mmpo_loss keyword arguments, plus "entropy": bool}}}
Output: {name: {"loss", "metrics", "grad": {"chosen_token_logp", "rejected_token_logp",
                 "chosen_token_entropy", "rejected_token_entropy"}}}
test/integration/trl-export.test.ts compares these with the studio's TypeScript objectives.
"""
import json
import sys

import torch

sys.path.insert(0, sys.argv[1])
from mmpo_loss import entropy_objective, mmpo_loss  # noqa: E402

torch.set_default_dtype(torch.float64)


def leaf(rows):
    return torch.tensor(rows, dtype=torch.float64, requires_grad=True)


def run_case(inputs, options):
    options = dict(options)
    entropy = options.pop("entropy", False)
    length_norm = options.get("length_norm", False)
    leaves = {}
    logps, lengths, h_obj = {}, {}, {}
    for side in ("chosen", "rejected"):
        raw = inputs[side]
        mask = torch.tensor(raw["mask"], dtype=torch.float64)
        leaves[f"{side}_token_logp"] = leaf(raw["token_logp"])
        leaves[f"{side}_token_entropy"] = leaf(raw["token_entropy"])
        logps[side] = (leaves[f"{side}_token_logp"] * mask).sum(1)
        lengths[side] = mask.sum(1)
        if entropy:
            h_obj[side] = entropy_objective(leaves[f"{side}_token_logp"], leaves[f"{side}_token_entropy"], mask, length_norm)
    if entropy:
        options["chosen_entropy_objective"] = h_obj["chosen"]
        options["rejected_entropy_objective"] = h_obj["rejected"]
    loss, metrics, _ = mmpo_loss(
        logps["chosen"],
        logps["rejected"],
        torch.tensor(inputs["ref_chosen"]),
        torch.tensor(inputs["ref_rejected"]),
        lengths["chosen"],
        lengths["rejected"],
        **options,
    )
    loss.backward()
    grad = {name: (t.grad if t.grad is not None else torch.zeros_like(t)).tolist() for name, t in leaves.items()}
    return {"loss": loss.item(), "metrics": {k: v.item() for k, v in metrics.items()}, "grad": grad}


def main():
    doc = json.load(sys.stdin)
    json.dump({name: run_case(doc["inputs"], options) for name, options in doc["cases"].items()}, sys.stdout)


if __name__ == "__main__":
    main()
