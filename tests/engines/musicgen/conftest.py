"""Tiny MusicGen checkpoints with random weights, saved and loaded back like real ones.

The architecture is MusicGen's (T5 text encoder, 32 kHz EnCodec, codebook decoder with the delay pattern),
shrunk so that generating 45 s takes seconds: the EnCodec hop is 6400 samples (5 code frames a second),
layers are 2 deep and 16 wide. The T5 tokenizer gets a character-level Unigram vocabulary built here, so
nothing is downloaded. Models are written with ``save_pretrained`` and read back by the engine's own
loader, the same path a real checkpoint takes.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest

from musicgen_app.plan import Plan

#: Codebook size of the tiny EnCodec; the decoder's vocabulary, and its BOS/pad id is this value.
TINY_CODEBOOK = 64


def _tiny_tokenizer():
    from transformers import T5Tokenizer

    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    for char in string.ascii_lowercase + string.digits + "-#":
        pieces += [(char, -3.0), ("▁" + char, -3.5)]
    return T5Tokenizer(vocab=pieces, extra_ids=0)


def _tiny_sub_configs():
    """The tiny T5 text encoder and 32 kHz EnCodec shared by the plain and the melody checkpoints."""
    from transformers import EncodecConfig, T5Config

    text = T5Config(vocab_size=128, d_model=16, d_kv=4, d_ff=32, num_layers=2, num_heads=4)
    text.relative_attention_num_buckets = 8
    audio = EncodecConfig(
        sampling_rate=32_000,
        audio_channels=1,
        num_filters=4,
        hidden_size=16,
        codebook_size=TINY_CODEBOOK,
        upsampling_ratios=[10, 8, 10, 8],
        target_bandwidths=[2.4],
        use_causal_conv=False,
        num_lstm_layers=1,
        use_conv_shortcut=False,
    )
    return text, audio


def _tiny_decoder_kwargs(audio_channels: int) -> dict:
    return dict(
        vocab_size=TINY_CODEBOOK,
        max_position_embeddings=512,
        num_hidden_layers=2,
        ffn_dim=32,
        num_attention_heads=2,
        hidden_size=16,
        num_codebooks=4 * audio_channels,
        audio_channels=audio_channels,
        pad_token_id=TINY_CODEBOOK,
        bos_token_id=TINY_CODEBOOK,
    )


def _tiny_config(audio_channels: int):
    from transformers import MusicgenConfig, MusicgenDecoderConfig

    text, audio = _tiny_sub_configs()
    decoder = MusicgenDecoderConfig(**_tiny_decoder_kwargs(audio_channels))
    return MusicgenConfig(text_encoder=text, audio_encoder=audio, decoder=decoder)


def _save_random_model(model, directory: Path) -> None:
    """Give ``model`` the published generation defaults and write it to ``directory``."""
    # EnCodec initialises its codebooks to zeros (they are learned by k-means): without random entries
    # every code would decode to the same sound and seeds could not be told apart.
    for layer in model.audio_encoder.quantizer.layers:
        layer.codebook.embed.normal_()
    # The published checkpoints ship these generation defaults; the engine must override them per call.
    model.generation_config.update(
        decoder_start_token_id=TINY_CODEBOOK,
        pad_token_id=TINY_CODEBOOK,
        bos_token_id=TINY_CODEBOOK,
        do_sample=True,
        guidance_scale=3.0,
        max_length=1500,
    )
    model.save_pretrained(directory)


def build_tiny_musicgen(directory: Path, *, audio_channels: int = 1, seed: int = 0) -> Path:
    """Write a random-weight MusicGen (model + processor) to ``directory`` with ``save_pretrained``."""
    import torch
    from transformers import EncodecFeatureExtractor, MusicgenForConditionalGeneration, MusicgenProcessor

    torch.manual_seed(seed)
    _save_random_model(MusicgenForConditionalGeneration(_tiny_config(audio_channels)), directory)
    extractor = EncodecFeatureExtractor(feature_size=audio_channels, sampling_rate=32_000)
    MusicgenProcessor(feature_extractor=extractor, tokenizer=_tiny_tokenizer()).save_pretrained(directory)
    return directory


#: The chroma feature extractor's settings as the published melody checkpoints ship them. It is written
#: as JSON because constructing ``MusicgenMelodyFeatureExtractor`` needs torchaudio, which is not pinned.
MELODY_PREPROCESSOR = {
    "feature_extractor_type": "MusicgenMelodyFeatureExtractor",
    "processor_class": "MusicgenMelodyProcessor",
    "feature_size": 12,
    "sampling_rate": 32_000,
    "hop_length": 4096,
    "chunk_length": 30,
    "n_fft": 16384,
    "num_chroma": 12,
    "padding_side": "right",
    "padding_value": 0.0,
    "return_attention_mask": False,
    "stem_indices": [3, 2],
}


def build_tiny_melody(directory: Path, *, seed: int = 0) -> Path:
    """Write a random-weight MusicGen melody checkpoint (model, tokenizer, chroma settings) to ``directory``.

    Its decoder is 2 layers over 4 codebooks, like the plain tiny model; conditioning is 8 chroma frames
    (235 when published) followed by the text, all placed before the codes in the decoder's sequence.
    """
    import torch
    from transformers import (
        MusicgenMelodyConfig,
        MusicgenMelodyDecoderConfig,
        MusicgenMelodyForConditionalGeneration,
    )

    text, audio = _tiny_sub_configs()
    decoder = MusicgenMelodyDecoderConfig(**_tiny_decoder_kwargs(1))
    config = MusicgenMelodyConfig(
        text_encoder=text, audio_encoder=audio, decoder=decoder, num_chroma=12, chroma_length=8
    )
    torch.manual_seed(seed)
    _save_random_model(MusicgenMelodyForConditionalGeneration(config), directory)
    _tiny_tokenizer().save_pretrained(directory)
    (directory / "preprocessor_config.json").write_text(json.dumps(MELODY_PREPROCESSOR, indent=2))
    return directory


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Tiny models run an order of magnitude faster on one thread (no OpenMP hand-offs on a busy CPU)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny_musicgen_dir(tmp_path_factory) -> Path:
    """A mono tiny MusicGen checkpoint directory."""
    return build_tiny_musicgen(tmp_path_factory.mktemp("tiny-musicgen"))


@pytest.fixture(scope="session")
def tiny_stereo_musicgen_dir(tmp_path_factory) -> Path:
    """A stereo tiny MusicGen checkpoint directory (8 codebooks, interleaved left/right)."""
    return build_tiny_musicgen(tmp_path_factory.mktemp("tiny-musicgen-stereo"), audio_channels=2)


@pytest.fixture(scope="session")
def tiny_melody_dir(tmp_path_factory) -> Path:
    """A tiny MusicGen melody checkpoint directory."""
    return build_tiny_melody(tmp_path_factory.mktemp("tiny-musicgen-melody"))


@pytest.fixture(scope="session")
def tiny_engine(tiny_musicgen_dir):
    """The real engine on the tiny checkpoint, CPU, never touching the network."""
    from musicgen_app.engines.musicgen.engine import MusicgenEngine

    return MusicgenEngine(str(tiny_musicgen_dir), device="cpu", local_files_only=True)


def make_plan(**overrides) -> Plan:
    """A resolved plan with sensible defaults; keyword arguments replace fields."""
    values = {
        "prompt": "warm piano over soft rain",
        "genre": "lo-fi",
        "tempo_bpm": 80,
        "key": "A",
        "mode": "minor",
        "duration_s": 5.0,
        "seed": 7,
        "moods": ("calm",),
        "sources": {},
    }
    values.update(overrides)
    return Plan(**values)
