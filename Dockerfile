# mcp-atlassian container image: a static-ish Rust binary on distroless/cc (glibc + libgcc,
# no shell, no package manager), running as the distroless `nonroot` user (uid 65532).
#
#   docker build -t mcp-atlassian:latest .
#
# The one build command below is also run natively by scripts/test.sh (stage "release build
# and healthcheck"), so a broken build step is caught there; `hadolint Dockerfile` lints this file.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
# The manifest names the bench and the example, so cargo needs their sources to parse it.
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY benches ./benches
COPY examples ./examples
RUN cargo build --release --locked --bin mcp-atlassian

FROM gcr.io/distroless/cc-debian12:nonroot
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="mcp-atlassian" \
      org.opencontainers.image.description="MCP server for Jira and Confluence: Streamable HTTP, SSE and stdio" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.documentation="docs/deployment.md"
COPY --from=build /src/target/release/mcp-atlassian /usr/local/bin/mcp-atlassian
# Defaults for the container; .env (env_file in docker-compose.yml) overrides them.
ENV TRANSPORT=streamable-http \
    HOST=0.0.0.0 \
    PORT=9889
USER 65532:65532
# docker-compose.yml mounts the operator's .env read-only at /config/.env: every invocation in
# the container (the server, `docker exec ... backup create`, `keys ...`) reads it as its
# implicit .env, so backups hold the file as written, not only the environment it became.
WORKDIR /config
EXPOSE 9889
# The binary probes its own /healthz (no curl in the image); exit 0 healthy, 1 not.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/mcp-atlassian", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/mcp-atlassian"]
