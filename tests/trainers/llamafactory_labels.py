"""Run in the trainers' venv: LLaMA-Factory's own dataset pipeline over a dsbuild version, labels out.

    python llamafactory_labels.py <version folder> <tokenizer folder> <dataset entry> <template> <work folder>

Parses the dataset_info.json entry, converts, applies the chat template and tokenizes exactly as
`llamafactory-cli train` would for stage sft, then writes `<work folder>/labels.jsonl`, one JSON line per
example: the text of its label tokens (the tokens the loss is computed on) and of its input tokens.
(LLaMA-Factory prints an example of its own on stdout, so the results go to a file.)
"""

import json
import sys

from llamafactory.data import get_dataset, get_template_and_fix_tokenizer
from llamafactory.extras.constants import IGNORE_INDEX
from llamafactory.hparams import get_train_args
from llamafactory.model import load_tokenizer


def main() -> None:
    version, tokenizer, dataset, template, work = sys.argv[1:6]
    model_args, data_args, training_args, _, _ = get_train_args({
        "model_name_or_path": tokenizer, "stage": "sft", "do_train": True, "finetuning_type": "lora",
        "dataset": dataset, "dataset_dir": version, "template": template, "cutoff_len": 8192,
        "overwrite_cache": True, "output_dir": work, "report_to": "none", "preprocessing_num_workers": None,
    })
    tokenizer_module = load_tokenizer(model_args)
    tok = tokenizer_module["tokenizer"]
    chat = get_template_and_fix_tokenizer(tok, data_args)
    module = get_dataset(chat, model_args, data_args, training_args, stage="sft", **tokenizer_module)
    with open(f"{work}/labels.jsonl", "w", encoding="utf-8") as out:
        for example in module["train_dataset"]:
            labels = [t for t in example["labels"] if t != IGNORE_INDEX]
            out.write(json.dumps({"labels": tok.decode(labels), "inputs": tok.decode(example["input_ids"])},
                                 ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
