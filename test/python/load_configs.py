"""Loads exported projects' configs with the real TRL, PEFT and Accelerate classes.

Usage: python load_configs.py EXPORT_DIR... > results.json
For each folder: train.py's own training_args() builds config.json's `args` into the
TRL config class (DPOConfig, CPOConfig, ORPOConfig, SFTConfig) for 1 and 2 processes,
peft_config() builds peft.LoraConfig, and accelerate's config loader reads every
accelerate/*.yaml. A keyword or key the real class does not accept raises, and the
folder's entry then holds the error instead of the values.
"""
import glob
import importlib.util
import json
import os
import sys
import tempfile


def load_train_module(folder):
    spec = importlib.util.spec_from_file_location(f"train_{abs(hash(folder))}", os.path.join(folder, "train.py"))
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(folder)
    return module


def plain(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in sorted(value, key=str)] if isinstance(value, set) else [plain(v) for v in value]
    return str(getattr(value, "value", value))


def load(folder):
    from accelerate.commands.config.config_args import load_config_from_file

    train = load_train_module(folder)
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    config["args"]["output_dir"] = tempfile.mkdtemp()
    result = {}
    one, _ = train.training_args(config, 1)
    two, two_split = train.training_args(config, 2)
    result["config_class"] = type(one).__name__
    result["args"] = {key: plain(getattr(one, key)) for key in config["args"]}
    result["gradient_accumulation_steps_2_processes"] = two.gradient_accumulation_steps
    result["per_device_train_batch_size_2_processes"] = two.per_device_train_batch_size
    result["split_micro_batch_2_processes"] = two_split
    lora = train.peft_config(config)
    result["peft"] = None if lora is None else {key: plain(getattr(lora, key)) for key in config["peft"]}
    result["accelerate"] = {}
    for path in sorted(glob.glob(os.path.join(folder, "accelerate", "*.yaml"))):
        loaded = load_config_from_file(path)
        result["accelerate"][os.path.basename(path)] = {
            "class": type(loaded).__name__,
            "distributed_type": plain(loaded.distributed_type),
            "num_processes": loaded.num_processes,
            "zero_stage": (loaded.deepspeed_config or {}).get("zero_stage"),
            "fsdp": bool(loaded.fsdp_config),
        }
    return result


def main():
    out = {}
    for folder in sys.argv[1:]:
        try:
            out[folder] = {"ok": True, **load(folder)}
        except Exception as err:  # reported per folder: the test names the setting that failed
            out[folder] = {"ok": False, "error": f"{type(err).__name__}: {err}"}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
