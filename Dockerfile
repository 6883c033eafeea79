# musicgen_app for Hugging Face Spaces or any container host: `docker build -t musicgen_app . && docker run -p 7860:7860 musicgen_app`
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      fluidsynth fluid-soundfont-gm ffmpeg libsndfile1 rubberband-cli \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 user
WORKDIR /home/user/app

COPY --chown=user requirements.lock pyproject.toml README.md ./
# The CPU build of torch keeps the image small; a GPU host can swap the index.
RUN pip install --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.lock
COPY --chown=user . .
RUN pip install --no-cache-dir --no-deps -e .

USER user
ENV MUSICGEN_APP_HOST=0.0.0.0 \
    PORT=7860 \
    MUSICGEN_APP_DATA_DIR=/home/user/app/data \
    PYTHONUNBUFFERED=1
EXPOSE 7860
CMD ["python", "app.py"]
