# musicgen_app for Hugging Face Spaces or any container host:
#   docker build -t musicgen_app . && docker run -p 7860:7860 musicgen_app
# Runs as uid 1000 (as Spaces do). Data goes to /data/musicgen_app: Spaces mount persistent storage at
# /data when it is enabled; otherwise /data is the container's own (gone with it).
FROM python:3.11-slim-bookworm

# Debian packages unpinned on purpose (hadolint DL3008): bookworm's versions only move for security fixes.
# hadolint ignore=DL3008
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      fluidsynth fluid-soundfont-gm ffmpeg libsndfile1 rubberband-cli \
 && rm -rf /var/lib/apt/lists/*

# Directories exist and belong to the user before anything is copied: WORKDIR would otherwise create the
# app directory as root, and COPY --chown does not change the owner of a directory that exists.
RUN useradd --create-home --uid 1000 user \
 && mkdir -p /home/user/app /data \
 && chown -R user:user /home/user/app /data
# numeric, so that any host can resolve it (hadolint DL3066); it is "user" inside the image
USER 1000
ENV HOME=/home/user \
    PATH=/home/user/.local/bin:$PATH
WORKDIR /home/user/app

COPY --chown=user requirements.lock pyproject.toml README.md ./
# Runtime packages only (requirements.lock): the test tools are in requirements-test.lock and stay out of
# the image. The CPU build of torch keeps it small; a GPU host can swap the index.
RUN pip install --user --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.lock
COPY --chown=user . .
RUN pip install --user --no-cache-dir --no-deps -e .

ENV MUSICGEN_APP_HOST=0.0.0.0 \
    PORT=7860 \
    MUSICGEN_APP_DATA_DIR=/data/musicgen_app \
    PYTHONUNBUFFERED=1
EXPOSE 7860
# /healthz answers 503 when the database cannot be read or the data directory cannot be written
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '7860') + '/healthz', timeout=4)"]
CMD ["python", "app.py"]
