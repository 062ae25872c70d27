"""A Llama-family decoder in plain PyTorch, with Hugging Face `LlamaForCausalLM` state-dict names (Qwen2's q/k/v
biases and Qwen3's per-head q/k norms and explicit head size as options).

The forward pass takes the Optimum decoder inputs (input_ids, attention_mask, position_ids, past key/values)
so that the same module is what gets exported to ONNX, evaluated by the recipe, and timed as the
PyTorch baseline. Works with torch 1.13 (no scaled_dot_product_attention needed) and 2.x.
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    vocab_size: int = 128
    hidden_size: int = 192
    intermediate_size: int = 512
    num_hidden_layers: int = 5
    num_attention_heads: int = 6
    num_key_value_heads: int = 2
    max_position_embeddings: int = 512
    rope_theta: float = 10000.0
    rms_norm_eps: float = 1e-5
    tie_word_embeddings: bool = True
    attention_bias: bool = False  # Qwen2-style q/k/v biases when True
    qk_norm: bool = False         # Qwen3-style RMSNorm of each query and key head, before RoPE
    explicit_head_dim: int = 0    # config.json's head_dim when it is not hidden / heads (Qwen3: twice that)
    bos_token_id: int = 1
    eos_token_id: int = 2
    pad_token_id: int = 0

    @property
    def head_dim(self):
        return self.explicit_head_dim or self.hidden_size // self.num_attention_heads

    def hf_dict(self, architecture="LlamaForCausalLM", model_type="llama"):
        d = asdict(self)
        for recipe_only in ("qk_norm", "explicit_head_dim"):  # the model type says these
            d.pop(recipe_only)
        d.update({"architectures": [architecture], "model_type": model_type, "hidden_act": "silu",
                  "head_dim": self.head_dim, "torch_dtype": "float32", "use_cache": True,
                  "attention_dropout": 0.0, "mlp_bias": False, "initializer_range": 0.02,
                  "pretraining_tp": 1, "rope_scaling": None})
        if model_type == "qwen2":
            d.pop("attention_bias")
        if model_type in ("qwen2", "qwen3"):
            d.pop("mlp_bias")
        return d


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        xf = x.float()
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * xf.to(x.dtype)


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def rope(q, k, position_ids, theta, head_dim):
    """Hugging Face's rotate-half convention; angles from explicit positions (rows may differ)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32, device=q.device) / head_dim))
    freqs = position_ids.float()[:, :, None] * inv_freq[None, None, :]  # [b, s, hd/2]
    emb = torch.cat((freqs, freqs), dim=-1)[:, None, :, :]  # [b, 1, s, hd]
    cos, sin = emb.cos().to(q.dtype), emb.sin().to(q.dtype)
    return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin


class Attention(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        hd = c.head_dim
        self.q_proj = nn.Linear(c.hidden_size, c.num_attention_heads * hd, bias=c.attention_bias)
        self.k_proj = nn.Linear(c.hidden_size, c.num_key_value_heads * hd, bias=c.attention_bias)
        self.v_proj = nn.Linear(c.hidden_size, c.num_key_value_heads * hd, bias=c.attention_bias)
        self.o_proj = nn.Linear(c.num_attention_heads * hd, c.hidden_size, bias=False)
        if c.qk_norm:
            self.q_norm = RMSNorm(hd, c.rms_norm_eps)
            self.k_norm = RMSNorm(hd, c.rms_norm_eps)

    def forward(self, x, bias, position_ids, past_k, past_v):
        b, s, _ = x.shape
        c, hd = self.c, self.c.head_dim
        q = self.q_proj(x).view(b, s, c.num_attention_heads, hd)
        k = self.k_proj(x).view(b, s, c.num_key_value_heads, hd)
        if c.qk_norm:
            q, k = self.q_norm(q), self.k_norm(k)
        q, k = q.transpose(1, 2), k.transpose(1, 2)
        v = self.v_proj(x).view(b, s, c.num_key_value_heads, hd).transpose(1, 2)
        q, k = rope(q, k, position_ids, c.rope_theta, hd)
        k = torch.cat([past_k.to(k.dtype), k], dim=2)
        v = torch.cat([past_v.to(v.dtype), v], dim=2)
        present_k, present_v = k, v
        # Grouped-query attention without copying K/V: the query heads that share a KV head are
        # stacked along the sequence axis (head h uses KV head h // groups, as in transformers).
        groups = c.num_attention_heads // c.num_key_value_heads
        q = q.reshape(b, c.num_key_value_heads, groups * s, hd)
        if groups > 1:
            bias = bias.repeat(1, 1, groups, 1)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(hd) + bias.to(q.dtype)
        probs = torch.softmax(scores.float(), dim=-1).to(v.dtype)
        out = torch.matmul(probs, v).reshape(b, c.num_attention_heads, s, hd)
        out = out.transpose(1, 2).reshape(b, s, c.num_attention_heads * hd)
        return self.o_proj(out), present_k, present_v


class MLP(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.self_attn = Attention(c)
        self.mlp = MLP(c)
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)

    def forward(self, x, bias, position_ids, past_k, past_v):
        h, pk, pv = self.self_attn(self.input_layernorm(x), bias, position_ids, past_k, past_v)
        x = x + h
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x, pk, pv


class Backbone(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList([DecoderLayer(c) for _ in range(c.num_hidden_layers)])
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)


def attention_bias(attention_mask, seq_len, past_len, dtype=torch.float32):
    """Additive mask [b, 1, s, past+s]: causal in cache order, and padding from attention_mask.
    A large finite negative keeps fully masked (padding) query rows free of NaNs."""
    total = past_len + seq_len
    k_idx = torch.arange(total, device=attention_mask.device)
    q_idx = torch.arange(seq_len, device=attention_mask.device) + past_len
    causal = k_idx[None, :] <= q_idx[:, None]
    allowed = causal[None, None, :, :] & (attention_mask[:, None, None, :] > 0)
    return torch.where(allowed, torch.zeros((), dtype=dtype), torch.full((), -1e9, dtype=dtype))


class LlamaForCausalLM(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.config = c
        self.model = Backbone(c)
        self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        if c.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def empty_past(self, batch, device=None, dtype=torch.float32):
        c = self.config
        shape = (batch, c.num_key_value_heads, 0, c.head_dim)
        return [(torch.zeros(shape, device=device, dtype=dtype), torch.zeros(shape, device=device, dtype=dtype))
                for _ in range(c.num_hidden_layers)]

    def forward(self, input_ids, attention_mask, position_ids, past):
        """past: list of (key, value) [b, kv_heads, past_len, head_dim]. Returns logits and the present list."""
        past_len = past[0][0].shape[2]
        x = self.model.embed_tokens(input_ids)
        bias = attention_bias(attention_mask, input_ids.shape[1], past_len)
        present = []
        for layer, (pk, pv) in zip(self.model.layers, past):
            x, k, v = layer(x, bias, position_ids, pk, pv)
            present.append((k, v))
        logits = self.lm_head(self.model.norm(x))
        return logits, present

    def train_logits(self, input_ids, attention_mask):
        """Training path: right-padded batch, no cache."""
        b, s = input_ids.shape
        positions = torch.arange(s, device=input_ids.device)[None, :].expand(b, s)
        logits, _ = self.forward(input_ids, attention_mask, positions, self.empty_past(b, input_ids.device))
        return logits

    def num_parameters(self):
        return sum(p.numel() for p in self.parameters())
