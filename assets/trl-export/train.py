"""Trains an Alignment Studio run with Hugging Face TRL on Accelerate.

Written by the studio's TRL export (`studio export-job`, "Export for a
cluster"). Everything the run's settings decide is in config.json, next to
this file; README.md says how each studio setting maps to TRL's names.

    accelerate launch --config_file accelerate/single_gpu.yaml train.py
    accelerate launch --config_file accelerate/multi_gpu.yaml train.py [--output_dir DIR]
"""
import argparse
import json
import os
import warnings

import torch
from accelerate import PartialState
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer, SFTConfig, SFTTrainer

from mmpo_loss import entropy_objective, mmpo_loss

HERE = os.path.dirname(os.path.abspath(__file__))


def token_entropy(logits):
    """H_t, the entropy of the next-token distribution at each position (differentiable: (M10) needs its gradient)."""
    logp = torch.log_softmax(logits.float(), dim=-1)
    return -(logp.exp() * logp).sum(dim=-1)


class MMPOTrainer(DPOTrainer):
    """TRL's DPOTrainer (data, reference model, PEFT, logging) with MMPO's loss from mmpo_loss.py."""

    def __init__(self, *args, mmpo, **kwargs):
        self.mmpo = dict(mmpo)
        super().__init__(*args, **kwargs)

    def _compute_loss(self, model, inputs, return_outputs):
        mode = "train" if self.model.training else "eval"
        non_model = {"completion_mask", "ref_chosen_logps", "ref_rejected_logps"}
        model_kwargs = {k: v for k, v in inputs.items() if k not in non_model}
        model_kwargs["use_cache"] = False
        outputs = model(**model_kwargs)

        # The collator stacks [chosen; rejected]: the first half of the rows are the chosen responses.
        shift_logits = outputs.logits[..., :-1, :]
        shift_labels = inputs["input_ids"][..., 1:]
        mask = inputs["completion_mask"][..., 1:].to(shift_logits.dtype)
        token_logps = torch.gather(shift_logits.float().log_softmax(-1), 2, shift_labels.unsqueeze(-1)).squeeze(-1) * mask
        chosen_logps, rejected_logps = token_logps.sum(dim=1).chunk(2, dim=0)
        chosen_lengths, rejected_lengths = mask.sum(dim=1).chunk(2, dim=0)

        if self.precompute_ref_logps:
            ref_chosen, ref_rejected = inputs["ref_chosen_logps"], inputs["ref_rejected_logps"]
        else:
            # The frozen starting model (or, with LoRA, the model with its adapter disabled), as TRL's DPO does.
            ref_chosen, ref_rejected = self.compute_ref_log_probs(self.ref_model or self.model, inputs)

        options = {k: v for k, v in self.mmpo.items() if k != "entropy"}
        if self.mmpo.get("entropy"):
            h = entropy_objective(token_logps, token_entropy(shift_logits), mask, self.mmpo.get("length_norm", False))
            options["chosen_entropy_objective"], options["rejected_entropy_objective"] = h.chunk(2, dim=0)
        loss, metrics, _ = mmpo_loss(
            chosen_logps, rejected_logps, ref_chosen.detach(), ref_rejected.detach(), chosen_lengths, rejected_lengths, **options
        )

        # TRL's metric names, averaged over the processes (the Trainer logs `loss` itself).
        for name, value in metrics.items():
            if name != "loss":
                self._metrics[mode][name].append(self.accelerator.gather_for_metrics(value.reshape(1)).mean().item())
        logits = shift_logits.detach().float().mean(-1)
        chosen_mask, rejected_mask = mask.chunk(2, dim=0)
        chosen_logits, rejected_logits = logits.chunk(2, dim=0)
        for name, side_logits, side_mask in (("logits/chosen", chosen_logits, chosen_mask), ("logits/rejected", rejected_logits, rejected_mask)):
            total = self.accelerator.gather_for_metrics((side_logits * side_mask).sum().reshape(1)).sum()
            count = self.accelerator.gather_for_metrics(side_mask.sum().reshape(1)).sum()
            self._metrics[mode][name].append((total / count.clamp(min=1)).item())
        return (loss, outputs) if return_outputs else loss


def training_args(config, num_processes):
    """The TRL config object from config.json's `args`, with the per-process gradient accumulation."""
    args = dict(config["args"])
    accumulation = args.get("gradient_accumulation_steps", 1)
    if config.get("keep_effective_batch", True) and num_processes > 1:
        # The studio's effective batch is micro-batch x accumulation; each process adds a micro-batch per pass.
        if accumulation % num_processes == 0:
            args["gradient_accumulation_steps"] = accumulation // num_processes
        else:
            warnings.warn(
                f"gradient_accumulation_steps {accumulation} does not divide by {num_processes} processes: "
                f"the effective batch grows to {args['per_device_train_batch_size'] * accumulation * num_processes} pairs"
            )
    if config["trainer"] == "cpo":
        from trl.experimental.cpo import CPOConfig as cls
    elif config["trainer"] == "orpo":
        from trl.experimental.orpo import ORPOConfig as cls
    elif config["trainer"] == "sft":
        cls = SFTConfig
    else:
        cls = DPOConfig
    return cls(**args)


def peft_config(config):
    if not config.get("peft"):
        return None
    from peft import LoraConfig

    return LoraConfig(**config["peft"])


def datasets_for(config):
    files = {"train": os.path.join(HERE, config["data"]["train"])}
    if config["data"].get("test"):
        files["test"] = os.path.join(HERE, config["data"]["test"])
    data = load_dataset("json", data_files=files)
    return data["train"], data.get("test")


def build_trainer(config, output_dir=None):
    state = PartialState()
    args = training_args(config, state.num_processes)
    if output_dir:
        args.output_dir = output_dir
    elif not os.path.isabs(args.output_dir):
        args.output_dir = os.path.join(HERE, args.output_dir)
    tokenizer = AutoTokenizer.from_pretrained(config["model_name_or_path"])
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(config["model_name_or_path"], dtype=torch.float32)
    train, test = datasets_for(config)
    common = dict(
        model=model,
        args=args,
        train_dataset=train,
        eval_dataset=test,
        processing_class=tokenizer,
        peft_config=peft_config(config),
    )
    trainer = config["trainer"]
    if trainer == "mmpo":
        return MMPOTrainer(mmpo=config["mmpo"], **common)
    if trainer == "dpo":
        return DPOTrainer(**common)
    if trainer == "cpo":
        from trl.experimental.cpo import CPOTrainer

        return CPOTrainer(**common)
    if trainer == "orpo":
        from trl.experimental.orpo import ORPOTrainer

        return ORPOTrainer(**common)
    if trainer == "sft":
        return SFTTrainer(**common)
    raise ValueError(f"config.json: unknown trainer {trainer!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=os.path.join(HERE, "config.json"))
    parser.add_argument("--output_dir", default=None, help="where checkpoints and trainer_state.json go (default: output/)")
    parser.add_argument("--max_steps", type=int, default=None, help="stop after this many optimizer steps (a smoke test)")
    cli = parser.parse_args()
    with open(cli.config) as f:
        config = json.load(f)
    if cli.max_steps is not None:
        config["args"]["max_steps"] = cli.max_steps
    trainer = build_trainer(config, cli.output_dir)
    trainer.train()
    if config.get("evaluate_at_end") and trainer.eval_dataset is not None:
        trainer.evaluate()
    trainer.save_model()
    trainer.save_state()


if __name__ == "__main__":
    main()
