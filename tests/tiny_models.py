"""A small byte-level BPE tokenizer with a ChatML chat template, trained offline on the bundled example.

Stands in for a target model's tokenizer (nothing is downloaded): dsbuild's token counts are checked
against it here, and the trainer checks (tests/trainers/) load it with transformers and build a tiny
random Qwen2 model around it. The template marks the assistant's turn with `{% generation %}`, as TRL
needs for assistant-only loss.
"""

from __future__ import annotations

import json
from pathlib import Path

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{% if message['role'] == 'assistant' %}"
    "{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}{{ '\\n' }}"
    "{% else %}{{ message['content'] + '<|im_end|>' + '\\n' }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def chatml(messages: list[dict]) -> str:
    """What CHATML renders for a conversation (for checking counts by hand)."""
    return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)


def tiny_tokenizer(folder: Path, texts, vocab_size: int = 600) -> Path:
    """Train the tokenizer on `texts` and save tokenizer.json + tokenizer_config.json into `folder`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator(texts, trainer)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": None, "eos_token": "<|im_end|>",
              "pad_token": "<|endoftext|>", "model_max_length": 32768, "chat_template": CHATML}
    (folder / "tokenizer_config.json").write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    return folder


def example_texts() -> list[str]:
    """The bundled example's questions, reasoning and answers: text the tokenizer should know."""
    from dsbuild.config import EXAMPLES_DIR

    texts = []
    for line in (EXAMPLES_DIR / "doctor_qa.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        texts += [str(v) for v in row.values() if isinstance(v, str)]
    return texts
