"""Does onnxruntime's BERT fusion (Attention, SkipLayerNorm, BiasGelu) make the int8 embedder cheaper a chunk?

Exports all-MiniLM-L6-v2 to ONNX with and without an attention-mask input, fuses each with
`onnxruntime.transformers.optimizer` (model_type bert), quantizes the fused graph as
`rag.index.int8` does, and prints CPU milliseconds a chunk on one thread (best of two rounds over
128 BBC chunks) and the cosine of each variant's vectors to float32's. Issue 25.

    PYTHONPATH=$PWD .venv/bin/python scripts/int8-fusion.py > docs/int8-fusion-2026-11-30.json

Work files go to /tmp/fuse.
"""
import json, os, time, sys
from pathlib import Path
import numpy as np
os.environ["HF_HUB_OFFLINE"] = "1"
from rag.faces.bench import chunk_texts
from rag.index.embeddings import bundled_model_path, load_tokenizer
from rag.index.int8 import OnnxBert, ensure_int8
from rag.core.settings import Settings

corpus = Path("/work/shared/corpora/bbc-news")
texts = chunk_texts(corpus, 128)
path = bundled_model_path()
tok = load_tokenizer(path)
cur = ensure_int8(Path(path), Settings().model_cache_dir)
out = Path("/tmp/fuse")
out.mkdir(exist_ok=True)

def export_f32(dest, with_mask):
    import torch
    from transformers import AutoModel
    class MeanPooled(torch.nn.Module):
        def __init__(self, enc): super().__init__(); self.encoder = enc
        def forward(self, input_ids, attention_mask=None):
            kw = dict(input_ids=input_ids, token_type_ids=torch.zeros_like(input_ids))
            if attention_mask is not None: kw["attention_mask"] = attention_mask
            h = self.encoder(**kw).last_hidden_state
            return torch.nn.functional.normalize(h.mean(1), p=2.0, dim=1)
    enc = AutoModel.from_pretrained(path, attn_implementation="eager").eval()
    args = (torch.ones((1, 8), dtype=torch.int64),) + ((torch.ones((1, 8), dtype=torch.int64),) if with_mask else ())
    names = ["input_ids"] + (["attention_mask"] if with_mask else [])
    with torch.no_grad():
        torch.onnx.export(MeanPooled(enc), args, str(dest), input_names=names, output_names=["embedding"],
                          dynamic_axes={n: {1: "tokens"} for n in names}, opset_version=17, dynamo=False)

def fuse(src, dest):
    from onnxruntime.transformers import optimizer
    m = optimizer.optimize_model(str(src), model_type="bert", num_heads=12, hidden_size=384, opt_level=1)
    print("fused ops", m.get_fused_operator_statistics(), flush=True)
    m.save_model_to_file(str(dest))

def quant(src, dest, ops):
    from onnxruntime.quantization import QuantType, quantize_dynamic
    quantize_dynamic(str(src), str(dest), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=ops,
                     extra_options={"MatMulConstBOnly": True, "DefaultTensorType": __import__("onnx").TensorProto.FLOAT})

class Sess:
    def __init__(self, f, mask):
        import onnxruntime as ort
        o = ort.SessionOptions(); o.intra_op_num_threads = 1; o.inter_op_num_threads = 1
        self.s = ort.InferenceSession(str(f), o, providers=["CPUExecutionProvider"]); self.mask = mask
    def embed(self, texts):
        rows = []
        for e in tok.encode_batch(list(texts)):
            feed = {"input_ids": np.array([e.ids], dtype=np.int64)}
            if self.mask: feed["attention_mask"] = np.ones((1, len(e.ids)), dtype=np.int64)
            rows.append(self.s.run(None, feed)[0][0])
        v = np.stack(rows).astype(np.float32); v /= np.linalg.norm(v, axis=1, keepdims=True); return v

variants = {"current_int8": Sess(cur, False)}
for mask in (False, True):
    tag = "mask" if mask else "nomask"
    f32 = out / f"f32-{tag}.onnx"; fused = out / f"fused-{tag}.onnx"
    if not f32.exists(): export_f32(f32, mask)
    if not fused.exists(): fuse(f32, fused)
    variants[f"f32_{tag}"] = Sess(f32, mask)
    variants[f"fused_f32_{tag}"] = Sess(fused, mask)
    for ops in (["MatMul"], ["MatMul", "Attention"]):
        q = out / f"fused-{tag}-int8-{'-'.join(ops)}.onnx"
        if not q.exists(): quant(fused, q, ops)
        variants[f"fused_int8_{tag}_{'+'.join(ops)}"] = Sess(q, mask)
ref = variants["f32_nomask"].embed(texts)
res = {}
for name, s in variants.items(): s.embed(texts[:8])
for _ in range(2):
    for name, s in variants.items():
        t0 = time.process_time(); v = s.embed(texts); ms = 1000 * (time.process_time() - t0) / len(texts)
        cos = (v * ref).sum(1)
        res[name] = {"cpu_ms_per_chunk": round(min(ms, res.get(name, {}).get("cpu_ms_per_chunk", 1e9)), 2),
                     "cos_to_f32_min": round(float(cos.min()), 4), "cos_to_f32_mean": round(float(cos.mean()), 4)}
print(json.dumps(res, indent=1))
