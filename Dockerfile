# syntax=docker/dockerfile:1.7
# The portal's container image: the backend with the frontend bundled (served by app-backend).
#   docker build -t idp-portal .
#
# No Docker engine runs on the project's CI machines, so scripts/test.sh runs this file's own
# steps without Docker: its build stage is the "build" stage (yarn build:backend in the checkout;
# the typecheck stage runs yarn tsc), and scripts/lib/dockerfile-run.py executes the COPY, ENV,
# WORKDIR and RUN instructions of the "deps" and final stages into ~/.cache/idp-portal/image
# (stage "image"), which the e2e stage then starts. What it cannot do without Docker it says:
# the base image's OS packages (apt-get) are checked on the host instead, and --chown/USER are
# not applied. .dockerignore decides what the context holds, for both.

ARG NODE_IMAGE=node:22-bookworm-slim

# --- build: install everything, typecheck, build the backend bundle (app included) ----------
FROM ${NODE_IMAGE} AS build
RUN apt-get update && \
    apt-get install -y --no-install-recommends python3 g++ make libsqlite3-dev && \
    rm -rf /var/lib/apt/lists/*
# Native addons compile against the headers of the Node in this image, not downloaded ones.
ENV npm_config_nodedir=/usr/local
WORKDIR /build
COPY .yarn/releases ./.yarn/releases
COPY .yarnrc.yml package.json yarn.lock backstage.json tsconfig.json ./
COPY packages ./packages
COPY plugins ./plugins
RUN --mount=type=cache,target=/root/.yarn/berry/cache,sharing=locked \
    yarn install --immutable
RUN yarn tsc && yarn build:backend

# --- deps: production node_modules from the skeleton (package.json files only) -------------
FROM ${NODE_IMAGE} AS deps
RUN apt-get update && \
    apt-get install -y --no-install-recommends python3 g++ make libsqlite3-dev && \
    rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
ENV NODE_ENV=production
WORKDIR /app
COPY .yarn/releases ./.yarn/releases
COPY .yarnrc.yml backstage.json yarn.lock package.json ./
COPY --from=build /build/packages/backend/dist/skeleton.tar.gz ./
RUN tar xzf skeleton.tar.gz && rm skeleton.tar.gz
RUN --mount=type=cache,target=/root/.yarn/berry/cache,sharing=locked \
    yarn workspaces focus --all --production

# --- runtime: no compilers, non-root ----------------------------------------------------------
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=node:node /app ./
COPY --from=build --chown=node:node /build/packages/backend/dist/bundle.tar.gz ./
RUN tar xzf bundle.tar.gz && rm bundle.tar.gz
COPY --chown=node:node app-config.yaml app-config.production.yaml app-config.gitlab-discovery.yaml ./
# The catalog the image ships: the platform's own entities and templates, but not the sample
# organisation (catalog-info/org.yaml, local mode and the sandbox only): production's users and
# groups come from the GitLab org sync or a site's file. .dockerignore leaves it out of the
# context, so no layer of the image holds it.
COPY --chown=node:node catalog-info.yaml ./
COPY --chown=node:node catalog-info ./catalog-info
COPY --chown=node:node templates ./templates
# The image's `node` user (uid 1000); Kubernetes manifests also set runAsNonRoot.
USER 1000:1000
EXPOSE 7007
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:7007/.backstage/health/v1/readiness').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "packages/backend", "--config", "app-config.yaml", "--config", "app-config.production.yaml"]
