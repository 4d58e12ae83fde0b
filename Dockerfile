# syntax=docker/dockerfile:1
# cnp-webhook image: `docker build -t cnp-webhook:$(node -p 'require("./package.json").version') .`
# Two stages: TypeScript is compiled with the dev dependencies, the runtime keeps production ones only.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would run tsc before the sources are copied; no dependency needs a script.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY schemas/ schemas/
COPY certs/ certs/
COPY generated/ generated/
COPY webhook/ webhook/
# test/ and tools/ are part of the tsconfig program (unit tests import the testkit); compiled, then dropped.
COPY test/ test/
COPY tools/ tools/
RUN npx tsc -p tsconfig.json \
 && rm -rf dist/test dist/tools \
 && find dist -name '*.test.js' -delete -o -name '*.test.d.ts' -delete -o -name '*.test.js.map' -delete

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/ dist/
# CRDs and install manifests: `cnp-webhook manifests` prints them from here.
COPY generated/ generated/
# Numeric, so that the kubelet can enforce runAsNonRoot; the Deployment runs as the same uid.
USER 65532:65532
EXPOSE 9443 8080
ENTRYPOINT ["node", "dist/webhook/cli/bin.js"]
CMD ["serve"]
