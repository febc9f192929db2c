# driftwatch: TypeScript sources run through tsx; no build step.
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
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
VOLUME ["/data"]
ENTRYPOINT ["node", "bin/driftwatch.mjs"]
CMD ["start", "--config", "/etc/driftwatch/driftwatch.yaml"]
