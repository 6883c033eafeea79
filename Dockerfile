# musicgen_app for Hugging Face Spaces or any container host:
#   docker build -t musicgen_app . && docker run -p 7860:7860 musicgen_app
# Runs as uid 1000 (as Spaces do). Data goes to /data/musicgen_app: Spaces mount persistent storage at
# /data when it is enabled; otherwise /data is the container's own (gone with it).
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      fluidsynth fluid-soundfont-gm ffmpeg libsndfile1 rubberband-cli \
 && rm -rf /var/lib/apt/lists/*

# Directories exist and belong to the user before anything is copied: WORKDIR would otherwise create the
# app directory as root, and COPY --chown does not change the owner of a directory that exists.
RUN useradd --create-home --uid 1000 user \
 && mkdir -p /home/user/app /data \
 && chown -R user:user /home/user/app /data
USER user
ENV HOME=/home/user \
    PATH=/home/user/.local/bin:$PATH
WORKDIR /home/user/app

COPY --chown=user requirements.lock pyproject.toml README.md ./
# Runtime packages only: the test tools of the lock (pytest, playwright, ruff, hypothesis, jsonschema,
# schemathesis, moto's S3 server and its own tools) stay out of the image. The CPU build of torch keeps it small; a GPU host can swap the index.
RUN grep -v -i -E '^(pytest|pytest-timeout|hypothesis|hypothesis-graphql|playwright|ruff|jsonschema|jsonschema_rs|schemathesis|moto|cfn-lint|aws-xray-sdk|flask|flask-cors|py-partiql-parser|responses|docker|antlr4-python3-runtime)==' \
      requirements.lock > /tmp/runtime.txt \
 && pip install --user --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu -r /tmp/runtime.txt
COPY --chown=user . .
RUN pip install --user --no-cache-dir --no-deps -e .

ENV MUSICGEN_APP_HOST=0.0.0.0 \
    PORT=7860 \
    MUSICGEN_APP_DATA_DIR=/data/musicgen_app \
    PYTHONUNBUFFERED=1
EXPOSE 7860
CMD ["python", "app.py"]
