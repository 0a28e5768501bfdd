"""ONNX exports of the bundled sentence model, made from its own weights and cached on disk.

The export is the whole sentence encoder (BERT -> mean pooling over real tokens -> L2 norm, the
pipeline modules.json declares, see mean_pooling.supported), so its output is the embedding.
It is traced from transformers' BertModel (nothing downloaded), then ONNX Runtime's BERT
optimizer fuses attention, LayerNorm and GELU; int8 is a dynamic quantisation of that file
(per-channel int8 weights, every MatMul but the first layer's feed-forward output, whose inputs
are the GELU activations with the widest range: quantising it too put the worst query cosine to
fp32 at 0.989 on the LoCoMo dev questions, keeping it fp32 at 0.993; README "Embedding backends").

Files are keyed by a hash of the weights, configuration, tokenizer and this recipe, so a changed
model re-exports. Each is written to a temporary file and renamed into place, under an exclusive
file lock, next to a sidecar holding its size and SHA-256: a process starting at the same time
waits and reuses the file, and a partial or corrupted file is detected and made again.

Run `python -m memory_service.embeddings.onnx_export` at install to build both files ahead of
the first start.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

Variant = Literal["fp32", "int8"]

RECIPE = "minilm-onnx-v1"  # bump when the export steps change, so cached files are remade
# What each variant adds to RECIPE; recorded in the sidecar, so a file of an older recipe is remade.
VARIANT_RECIPES: dict[str, str] = {"fp32": RECIPE, "int8": f"{RECIPE}+int8-per-channel-ffn0-fp32"}
_HASHED = ("model.safetensors", "pytorch_model.bin", "config.json", "tokenizer.json", "modules.json",
           "sentence_bert_config.json", "1_Pooling/config.json")  # fmt: skip
_OPSET = 17


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "memory-service" / "models"


def model_key(model_path: str) -> str:
    """Hash of everything that decides the vectors: weights, configs, tokenizer, export recipe."""
    digest = hashlib.sha256(RECIPE.encode())
    root = Path(model_path)
    for name in _HASHED:
        if (root / name).exists():
            digest.update(name.encode())
            digest.update(_file_sha256(root / name).encode())
    return digest.hexdigest()[:20]


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_suffix(".json")


def is_valid(path: Path, recipe: str | None = None) -> bool:
    """The file is whole (its size and hash match what was recorded when it was written) and,
    when asked, was made by this recipe."""
    try:
        meta = json.loads(_sidecar(path).read_text())
        if recipe is not None and meta.get("recipe") != recipe:
            return False
        return bool(path.stat().st_size == meta["size"] and _file_sha256(path) == meta["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return False


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the handle closes
        yield


def _write_atomically(target: Path, write: Callable[[Path], None], recipe: str) -> None:
    """write(tmp) then rename: readers see the old file, or none, or the whole new one."""
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        tmp.chmod(0o644)  # mkstemp makes it private; the cache is shared by the service's processes
        meta = {"size": tmp.stat().st_size, "sha256": _file_sha256(tmp), "recipe": recipe}
        os.replace(tmp, target)
        sidecar_tmp = target.with_suffix(".json.tmp")
        sidecar_tmp.write_text(json.dumps(meta))
        os.replace(sidecar_tmp, _sidecar(target))
    finally:
        tmp.unlink(missing_ok=True)


def ensure_export(model_path: str, cache_dir: Path, variant: Variant = "fp32") -> tuple[Path, float]:
    """The cached export for this model and variant, made if missing or broken.

    Returns the path and the seconds spent exporting (0.0 when the cached file was reused)."""
    target = cache_dir / f"sentence-encoder-{model_key(model_path)}-{variant}.onnx"
    recipe = VARIANT_RECIPES[variant]
    with _locked(target):
        if is_valid(target, recipe):
            return target, 0.0
        for stale in cache_dir.glob(f".{target.stem}.*.tmp"):  # left by a process killed mid-export
            stale.unlink(missing_ok=True)
        started = time.perf_counter()
        if variant == "fp32":
            _write_atomically(target, lambda tmp: _export_fp32(model_path, tmp), recipe)
        else:
            fp32, _ = ensure_export(model_path, cache_dir, "fp32")  # another file, another lock
            _write_atomically(target, lambda tmp: _quantize(fp32, tmp), recipe)
        return target, time.perf_counter() - started


def _encoder_module(model_path: str) -> Any:
    """transformers' BertModel with mean pooling and L2 normalisation on top, as one module."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModel

    # Eager attention traces to plain MatMul/Softmax, which the ORT optimizer fuses.
    bert = AutoModel.from_pretrained(model_path, local_files_only=True, attn_implementation="eager").eval()

    class SentenceEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state  # fmt: skip
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    return SentenceEncoder().eval()


def _export_fp32(model_path: str, out: Path) -> None:
    import torch

    module = _encoder_module(model_path)
    # A padded example: an all-ones mask would let the trace drop the masking branch.
    ids = torch.randint(1000, 2000, (3, 11))
    mask = torch.ones_like(ids)
    mask[1, 7:], mask[2, 4:] = 0, 0
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "tokens"} for name in names} | {"sentence_embedding": {0: "batch"}}
    raw = out.with_suffix(".raw.onnx")
    try:
        with torch.inference_mode():
            torch.onnx.export(module, (ids, mask, torch.zeros_like(ids)), str(raw), input_names=names,
                              output_names=["sentence_embedding"], dynamic_axes=axes, opset_version=_OPSET,
                              dynamo=False)  # fmt: skip
        _optimize(raw, out, module.bert.config)
    finally:
        raw.unlink(missing_ok=True)


def _optimize(raw: Path, out: Path, config: Any) -> None:
    """Fuse attention/LayerNorm/GELU offline (ORT's online passes do not fuse attention)."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimized = optimize_model(str(raw), model_type="bert", num_heads=int(config.num_attention_heads),
                               hidden_size=int(config.hidden_size), opt_level=1)  # fmt: skip
    optimized.save_model_to_file(str(out))


def _quantize(fp32: Path, out: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Fused ops (Attention, SkipLayerNormalization) are outside the ONNX domain, so shape
    # inference cannot type their outputs; they are float.
    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
                     nodes_to_exclude=kept_fp32(fp32))  # fmt: skip


def kept_fp32(fp32: Path) -> list[str]:
    """The MatMul of the first encoder layer's feed-forward output (none if the graph has no such name)."""
    import onnx

    names = [n.name for n in onnx.load(str(fp32), load_external_data=False).graph.node if n.op_type == "MatMul"]
    return [n for n in names if n.endswith("layer.0/output/dense/MatMul")][:1]


if __name__ == "__main__":
    from memory_service.config import get_settings
    from memory_service.embeddings.sentence_transformer import bundled_model_path

    settings = get_settings()
    path = settings.embedding_model or bundled_model_path()
    cache = settings.onnx_cache_dir or default_cache_dir()
    for kind in ("fp32", "int8"):
        file, seconds = ensure_export(path, cache, kind)  # type: ignore[arg-type]
        print(f"{kind}: {file} ({file.stat().st_size / 1e6:.1f} MB, exported in {seconds:.1f} s)")
