"""Character-level vocabulary, written as a Hugging Face `tokenizer.json` plus chat template.

The tokenizer is a BPE model with no merges (so every character is one token) and a Fuse decoder;
special tokens are HF added tokens so `<|user|>` in the prompt is one id. The recipe encodes in Python
with the same table (there is no `tokenizers` wheel here); the Java tests check DJL agrees.
"""
import json
import os

SPECIALS = ["<pad>", "<s>", "</s>", "<unk>", "<|user|>", "<|assistant|>"]
PAD, BOS, EOS, UNK, USER, ASSISTANT = range(len(SPECIALS))
CHARS = ["\n"] + [chr(c) for c in range(32, 127)] + ["×", "−", "÷", "—", "’", "“", "”", "€", "£"]
VOCAB = SPECIALS + CHARS
VOCAB_SIZE = 128  # table padded up for tidy matrix shapes; ids past len(VOCAB) are never produced
ID = {t: i for i, t in enumerate(VOCAB)}

CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% if message['role'] == 'user' %}"
    "<|user|>{{ message['content'] | trim }}\n"
    "{% elif message['role'] == 'assistant' %}"
    "<|assistant|>{{ message['content'] }}{{ eos_token }}"
    "{% else %}"
    "{{ raise_exception('Only user and assistant messages are supported') }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def prompt(question):
    """What CHAT_TEMPLATE renders for one user message with add_generation_prompt."""
    return "<s><|user|>" + question.strip() + "\n<|assistant|>"


def encode(text):
    ids, i = [], 0
    while i < len(text):
        for s in SPECIALS:
            if text.startswith(s, i):
                ids.append(ID[s])
                i += len(s)
                break
        else:
            ids.append(ID.get(text[i], UNK))
            i += 1
    return ids


def decode(ids):
    return "".join(VOCAB[i] if i < len(VOCAB) and i >= len(SPECIALS) else "" for i in ids)


def write_tokenizer_files(out_dir, max_length):
    added = [{"id": ID[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for s in SPECIALS]
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": None,
        "post_processor": None,
        "decoder": {"type": "Fuse"},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {t: i for i, t in enumerate(VOCAB)}, "merges": []},
    }
    with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer, f, ensure_ascii=False, indent=1)
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
              "pad_token": "<pad>", "unk_token": "<unk>", "model_max_length": max_length,
              "add_bos_token": False, "add_eos_token": False, "clean_up_tokenization_spaces": False,
              "chat_template": CHAT_TEMPLATE}
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False, indent=1)
    with open(os.path.join(out_dir, "chat_template.jinja"), "w", encoding="utf-8") as f:
        f.write(CHAT_TEMPLATE)
    with open(os.path.join(out_dir, "special_tokens_map.json"), "w", encoding="utf-8") as f:
        json.dump({"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"}, f, indent=1)
