"""Run in the trainers' venv: TRL's SFT data preparation over a dsbuild `openai` export, assistant tokens out.

    python trl_assistant_tokens.py <messages .jsonl> <model folder> <work folder>

Builds an SFTTrainer with assistant-only loss (the tokens TRL trains on are those of the assistant's
turns, marked by the chat template's generation blocks) and writes `<work folder>/assistant.jsonl`, one
JSON line per example with the text of the tokens the loss is computed on.
"""

import json
import sys

from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer


def main() -> None:
    data, model_dir, work = sys.argv[1:4]
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    dataset = load_dataset("json", data_files=data, split="train")
    trainer = SFTTrainer(
        model=AutoModelForCausalLM.from_pretrained(model_dir), processing_class=tokenizer, train_dataset=dataset,
        args=SFTConfig(output_dir=work, assistant_only_loss=True, max_length=8192, report_to=[], use_cpu=True),
    )
    with open(f"{work}/assistant.jsonl", "w", encoding="utf-8") as out:
        for example in trainer.train_dataset:
            trained = [t for t, keep in zip(example["input_ids"], example["assistant_masks"]) if keep]
            out.write(json.dumps({"trained": tokenizer.decode(trained)}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
