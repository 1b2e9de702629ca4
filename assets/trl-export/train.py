"""Trains an Alignment Studio run with Hugging Face TRL on Accelerate.

Written by the studio's TRL export (`studio export-job`, "Export for a
cluster"). Everything the run's settings decide is in config.json, next to
this file; README.md says how each studio setting maps to TRL's names.

    accelerate launch --config_file accelerate/single_gpu.yaml train.py
    accelerate launch --config_file accelerate/multi_gpu.yaml train.py [--output_dir DIR]
"""
import argparse
import copy
import json
import os
import warnings

import torch
import torch.distributed as dist
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer, SFTConfig, SFTTrainer

from mmpo_loss import entropy_objective, mmpo_loss

HERE = os.path.dirname(os.path.abspath(__file__))


def token_entropy(logits):
    """H_t, the entropy of the next-token distribution at each position (differentiable: (M10) needs its gradient)."""
    logp = torch.log_softmax(logits.float(), dim=-1)
    return -(logp.exp() * logp).sum(dim=-1)


class StudioOrderSampler(torch.utils.data.Sampler):
    """The studio trainer's data order: epoch e visits the training rows in `orders[e]`, the studio's
    seeded shuffle for that epoch (data/train_order.json). Accelerate shards its batches over the
    processes in turn, so with N processes one optimizer step still covers the studio's pairs of that step."""

    def __init__(self, orders):
        self.orders = orders
        self.epoch = 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return len(self.orders[0])

    def __iter__(self):
        if self.epoch >= len(self.orders):
            warnings.warn(
                f"data/train_order.json holds the studio's order of {len(self.orders)} epochs; epoch {self.epoch + 1} "
                f"repeats epoch {self.epoch % len(self.orders) + 1}'s order"
            )
        return iter(self.orders[self.epoch % len(self.orders)])


class StudioDPOTrainer(DPOTrainer):
    """TRL's DPOTrainer with the studio's data path: its prompt limit (TRL has none) and its data order."""

    def __init__(self, *args, max_prompt_length=None, data_order=None, split_micro_batch=False, **kwargs):
        self.studio_max_prompt_length = max_prompt_length
        self.studio_order = data_order
        # Whether each of the studio's micro-batches is split across the processes (training_args).
        self.split_micro_batch = split_micro_batch
        super().__init__(*args, **kwargs)
        if self.studio_order is not None and len(self.studio_order[0]) != len(self.train_dataset):
            raise ValueError(
                f"data/train_order.json orders {len(self.studio_order[0])} rows but the training set has "
                f"{len(self.train_dataset)}: the data files do not belong together"
            )

    def _prepare_dataset(self, dataset, processing_class, args, dataset_name):
        limit = self.studio_max_prompt_length
        if limit is None:
            return super()._prepare_dataset(dataset, processing_class, args, dataset_name)
        # As the studio: the prompt loses tokens from the left down to max_prompt_length, then prompt + response
        # are cut to max_length keeping the start (the collator's keep_start), so the response loses its end.
        # max_prompt_length < max_length, so no pair is left without a response token and TRL's filter of
        # prompts that fill max_length (skipped here by passing no max_length) would never drop one.
        unfiltered = copy.copy(args)
        unfiltered.max_length = None
        dataset = super()._prepare_dataset(dataset, processing_class, unfiltered, dataset_name)
        return dataset.map(lambda example: {"prompt_ids": example["prompt_ids"][-limit:]}, desc=f"Prompt limit on {dataset_name}")

    def _get_train_sampler(self, train_dataset=None):
        if self.studio_order is None:
            return super()._get_train_sampler(train_dataset)
        return StudioOrderSampler(self.studio_order)


def reduce_range_over_processes(lo, hi):
    """(M6)'s min and max over every process's share of the micro-batch (constants: no gradient to carry)."""
    lo, hi = lo.detach().clone(), hi.detach().clone()
    dist.all_reduce(lo, op=dist.ReduceOp.MIN)
    dist.all_reduce(hi, op=dist.ReduceOp.MAX)
    return lo, hi


class MMPOTrainer(StudioDPOTrainer):
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
        if mode == "train" and self.split_micro_batch and dist.is_available() and dist.is_initialized():
            # This process holds 1/N of the studio's micro-batch: (M6) normalises over all of it, as the studio.
            options["reduce_range"] = reduce_range_over_processes
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
    """The TRL config object from config.json's `args`, spread over the processes so that one optimizer
    step still sees the studio's effective batch (micro-batch x accumulation), and whether each studio
    micro-batch is split across the processes (then MMPO's (M6) is reduced over them)."""
    args = dict(config["args"])
    accumulation = args.get("gradient_accumulation_steps", 1)
    micro = args.get("per_device_train_batch_size", 8)
    split_micro_batch = False
    if config.get("keep_effective_batch", True) and num_processes > 1:
        if accumulation % num_processes == 0:
            # Each process takes whole micro-batches of the step in turn: accumulation / N each.
            args["gradient_accumulation_steps"] = accumulation // num_processes
        elif micro % num_processes == 0:
            # Each of the studio's micro-batches is split: every process takes micro / N of its pairs.
            args["per_device_train_batch_size"] = micro // num_processes
            split_micro_batch = True
        else:
            warnings.warn(
                f"neither gradient_accumulation_steps {accumulation} nor per_device_train_batch_size {micro} divides by "
                f"{num_processes} processes: the effective batch grows to {micro * accumulation * num_processes} pairs"
            )
    if config["trainer"] == "cpo":
        from trl.experimental.cpo import CPOConfig as cls
    elif config["trainer"] == "orpo":
        from trl.experimental.orpo import ORPOConfig as cls
    elif config["trainer"] == "sft":
        cls = SFTConfig
    else:
        cls = DPOConfig
    return cls(**args), split_micro_batch


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


def studio_order(config):
    """The studio's per-epoch orders of the training rows, when config.json asks for its data order."""
    if config["data"].get("order") is None or config.get("data_order", "studio") != "studio":
        return None
    with open(os.path.join(HERE, config["data"]["order"])) as f:
        return json.load(f)["epochs"]


def build_trainer(config, output_dir=None):
    # Processes of this launch as torchrun (accelerate's multi-process launchers) sets them; PartialState() would say 1
    # on a machine without a GPU before transformers sets up the CPU process group.
    num_processes = int(os.environ.get("WORLD_SIZE", "1"))
    if num_processes > 1 and not torch.cuda.is_available():
        # Several processes and no GPU (`accelerate launch --multi_gpu --num_processes N` on CPUs): DDP over gloo.
        # Without use_cpu transformers leaves the processes unconnected, each training its own copy on all the data.
        config = {**config, "args": {**config["args"], "use_cpu": True}}
    args, split_micro_batch = training_args(config, num_processes)
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
    studio = dict(
        max_prompt_length=config.get("max_prompt_length"),
        data_order=studio_order(config),
        split_micro_batch=split_micro_batch,
    )
    trainer = config["trainer"]
    if trainer == "mmpo":
        return MMPOTrainer(mmpo=config["mmpo"], **studio, **common)
    if trainer == "dpo":
        return StudioDPOTrainer(**studio, **common)
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
    if trainer.is_world_process_zero():
        # How this launch spread the studio's effective batch, for whoever compares it with the studio's run.
        launch = {
            "num_processes": trainer.args.world_size,
            "per_device_train_batch_size": trainer.args.per_device_train_batch_size,
            "gradient_accumulation_steps": trainer.args.gradient_accumulation_steps,
            "split_micro_batch": getattr(trainer, "split_micro_batch", False),
            "data_order": "studio" if getattr(trainer, "studio_order", None) is not None else "trl",
        }
        with open(os.path.join(trainer.args.output_dir, "studio_launch.json"), "w") as f:
            json.dump(launch, f, indent=2)
    # Leave the process group before exiting: a DDP process (gloo on CPU) that exits with it alive can abort in
    # its threads' teardown ("terminate called without an active exception") after a run that succeeded.
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
