"""Writes a LoRA adapter with real PEFT on a model folder, and the logits PyTorch computes with it.

    python peft_adapter.py MODEL_DIR OUT_DIR

OUT_DIR gets what `PeftModel.save_pretrained` writes (adapter_config.json,
adapter_model.safetensors) for `target_modules="all-linear"`, with lora_B
drawn at random (PEFT initialises it to zero, which would not change the
model); stdout is JSON: the token ids scored, the logits with the adapter and
without it. The studio's loader (main/engine/lora.ts) must match them.
"""
import json
import sys

import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

model_dir, out_dir = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
model.eval()
ids = torch.tensor([[1, 5, 9, 14, 3, 7, 22, 11]])
with torch.no_grad():
    base = model(ids).logits[0].tolist()
peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=16, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM"))
with torch.no_grad():
    for name, param in peft_model.named_parameters():
        if "lora_B" in name:
            param.copy_(torch.randn_like(param) * 0.1)
peft_model.eval()
with torch.no_grad():
    tuned = peft_model(ids).logits[0].tolist()
peft_model.save_pretrained(out_dir)
json.dump({"ids": ids[0].tolist(), "base": base, "tuned": tuned}, sys.stdout)
