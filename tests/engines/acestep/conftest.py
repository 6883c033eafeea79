"""Tiny ACE-Step 1.5 pipelines with random weights, saved and loaded back like real checkpoints.

The architecture is ACE-Step's as diffusers 0.42.1 ships it (``AceStepTransformer1DModel`` DiT,
``AceStepConditionEncoder`` for text, lyrics and timbre, a 48 kHz Oobleck VAE with the published 1920x
hop, so 25 latent frames a second, and a Qwen3 text encoder), shrunk to 2 layers of width 32 so that 75 s
generate in seconds on CPU. The tokenizer is a byte-level BPE trained here on a few sentences, so nothing
is downloaded. The pipeline is written with ``save_pretrained`` and read back by the engine's own loader.
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: Width of the latent the DiT denoises (64 in the published checkpoints).
TINY_ACOUSTIC_DIM = 8
_CORPUS = [
    "# Instruction\nFill the audio semantic mask based on the given conditions:\n\n# Caption\n",
    "# Metas\n- bpm: 120\n- timesignature: 4\n- keyscale: C major\n- duration: 30 seconds\n",
    "# Languages\nen\n\n# Lyric\n[verse]\n[chorus]\n[bridge]\n[Instrumental]\n",
    "pop rock song with guitar bass drums piano strings synth vocals, happy sad calm energetic",
    "city lights are calling me, sing it loud, la la la, oh oh, night and day",
]


def _tiny_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(_CORPUS, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, eos_token="<|endoftext|>", pad_token="<|endoftext|>"
    )


def build_tiny_acestep(directory: Path, *, seed: int = 0, turbo: bool = True) -> Path:
    """Write a random-weight ``AceStepPipeline`` to ``directory`` with ``save_pretrained``."""
    import torch
    from diffusers import AceStepPipeline, AutoencoderOobleck, FlowMatchEulerDiscreteScheduler
    from diffusers.models.transformers.ace_step_transformer import AceStepTransformer1DModel
    from diffusers.pipelines.ace_step import AceStepConditionEncoder
    from transformers import Qwen3Config, Qwen3Model

    tokenizer = _tiny_tokenizer()
    torch.manual_seed(seed)
    width = {"num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8, "rope_theta": 10000.0}
    transformer = AceStepTransformer1DModel(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        in_channels=3 * TINY_ACOUSTIC_DIM,  # noisy latent, source latent and chunk mask, concatenated
        audio_acoustic_hidden_dim=TINY_ACOUSTIC_DIM,
        patch_size=2,
        sliding_window=16,
        is_turbo=turbo,
        **width,
    )
    text_config = Qwen3Config(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        vocab_size=len(tokenizer),
        max_position_embeddings=4096,
        **width,
    )
    condition_encoder = AceStepConditionEncoder(
        hidden_size=32,
        intermediate_size=64,
        text_hidden_dim=32,
        timbre_hidden_dim=TINY_ACOUSTIC_DIM,
        num_lyric_encoder_hidden_layers=2,
        num_timbre_encoder_hidden_layers=2,
        sliding_window=16,
        **width,
    )
    vae = AutoencoderOobleck(
        encoder_hidden_size=2 * TINY_ACOUSTIC_DIM,  # its output is split into mean and scale
        downsampling_ratios=[2, 4, 4, 6, 10],
        channel_multiples=[1, 1, 1, 1, 1],
        decoder_channels=4,
        decoder_input_channels=TINY_ACOUSTIC_DIM,
        audio_channels=2,
        sampling_rate=48_000,
    )
    pipe = AceStepPipeline(
        vae=vae,
        text_encoder=Qwen3Model(text_config),
        tokenizer=tokenizer,
        transformer=transformer,
        condition_encoder=condition_encoder,
        scheduler=FlowMatchEulerDiscreteScheduler(num_train_timesteps=1, shift=1.0),
    )
    pipe.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_acestep_dir(tmp_path_factory) -> Path:
    return build_tiny_acestep(tmp_path_factory.mktemp("acestep"))
