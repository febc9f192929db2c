# driftwatch: TypeScript sources run through tsx; no build step.
# It runs as the image's unprivileged `node` user (uid/gid 1000, given as
# numbers so Kubernetes' runAsNonRoot can check them). The application files
# stay owned by root and read-only to it; only /data (the embedded store,
# daemon.json) and the system temporary directory (baseline uploads) are
# writable.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY detectors ./detectors
COPY alerts ./alerts
COPY sql ./sql
COPY web ./web
RUN mkdir -p /data && chown 1000:1000 /data && chmod 0750 /data
USER 1000:1000
EXPOSE 8080
VOLUME ["/data"]
ENTRYPOINT ["node", "bin/driftwatch.mjs"]
CMD ["start", "--config", "/etc/driftwatch/driftwatch.yaml"]
