# syntax=docker/dockerfile:1.7
#
# kepler-model: the CLI, bundled into one file, on the official Deno image.
#
#   docker build -t kepler-model:0.1.0 .
#   docker run --rm -v "$(pwd)":/data kepler-model:0.1.0 train -i kepler_query --id m1
#
# The Tekton tasks in tekton/ run their scripts in this image and call
# `kepler-model` (a wrapper that runs the bundle with the permissions the
# commands need). See tekton/README.md for building and pushing it.

ARG DENO_VERSION=2.9.5

# ---- build: bundle cli/main.ts and its npm packages into one file
# (denoland/deno:<version> is the Debian variant: sh, coreutils, tini, and
# the user deno, uid 1993)
FROM denoland/deno:${DENO_VERSION} AS build
WORKDIR /src
COPY deno.json deno.lock ./
RUN deno install --frozen
COPY cli/ cli/
COPY lib/ lib/
# The training pool and the serve estimate pool start workers from
# ./_train_worker.ts and ./_estimate_worker.ts next to the module that starts
# them: bundle each worker to that name beside the CLI.
# plot and export inline plotly.js into their HTML reports: the bundle finds
# the package in node_modules beside it (a browser bundle, never imported).
RUN deno bundle --quiet -o /out/kepler-model.js cli/main.ts \
 && deno bundle --quiet -o /out/_train_worker.ts lib/train/_train_worker.ts \
 && deno bundle --quiet -o /out/_estimate_worker.ts lib/serve/_estimate_worker.ts \
 && mkdir -p /out/node_modules \
 && cp -rL node_modules/plotly.js-dist-min /out/node_modules/ \
 && deno run --quiet --no-config -A /out/kepler-model.js --version

# ---- image: the bundle, a wrapper on PATH, a non-root user
FROM denoland/deno:${DENO_VERSION}
LABEL org.opencontainers.image.title="kepler-model" \
      org.opencontainers.image.description="Train, export and serve power models for Kepler" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /out/ /app/
# The wrapper grants what the commands need: files, network (Prometheus,
# buckets, the model server), the machine facts of `query`'s spec, and the
# environment variables of cli/config.ts; any other variable (e.g. a stray
# AWS_*) reads as unset. train and train_from_data also get their deno
# tasks' V8 flags (deno.json): a small young generation and slower heap
# growth, which lower their peak memory.
COPY --chmod=0755 <<'WRAPPER' /usr/local/bin/kepler-model
#!/bin/sh
v8=
case "$1" in
  train|train_from_data)
    v8=--v8-flags=--max-semi-space-size=3,--heap-growing-percent=100 ;;
esac
exec deno run --quiet --no-config --no-prompt $v8 \
  --allow-read --allow-write --allow-net --allow-sys=systemMemoryInfo,cpus \
  --allow-env=DATAPATH,MODEL_PATH,PROM_SERVER,PROM_QUERY_INTERVAL,PROM_QUERY_STEP,PROM_SSL_DISABLE,PROM_THIRDPARTY_METRICS,PROM_USERNAME,PROM_PASSWORD,PROM_BEARER_TOKEN,MODEL_SERVER_PORT,INITIAL_PIPELINE_URL,ERROR_KEY,VM_JOB_NAME,MODEL_CONFIG,MODEL_SERVER_ENABLE,MODEL_SERVER_URL,MODEL_SERVER_MODEL_REQ_PATH,NODE_TOTAL_INIT_URL,NODE_COMPONENTS_INIT_URL,CONTAINER_TOTAL_INIT_URL,CONTAINER_COMPONENTS_INIT_URL,PROCESS_TOTAL_INIT_URL,PROCESS_COMPONENTS_INIT_URL,CONFIG_PATH,NO_COLOR \
  --ignore-env \
  /app/kepler-model.js "$@"
WRAPPER
RUN mkdir -p /data && chown 1993:1993 /data
ENV DATAPATH=/data \
    MODEL_PATH=/data \
    DENO_NO_UPDATE_CHECK=1
# The base image's `deno` user, by number so that Kubernetes can check
# runAsNonRoot; the base image's tini reaps processes and forwards signals.
USER 1993:1993
WORKDIR /data
ENTRYPOINT ["/tini", "--", "/usr/local/bin/kepler-model"]
CMD ["--help"]
