# One image for both the API and the worker; docker-compose.yml picks the command.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json openapi.json ./
COPY apps ./apps
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
# The build compiles the bench too (npm run bench is run from a checkout, not from the image).
COPY bench ./bench
# The build also bundles the web console (apps/console, typed from openapi.json) into dist/console,
# which the API serves at /.
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY definitions ./definitions
COPY bin ./bin
# The data directory (the worker's treasury payment files): the node user's alone. A volume mounted here
# starts with this owner and mode.
RUN install -d -m 0700 -o node -g node /app/.data
USER node
EXPOSE 3000
CMD ["node", "dist/apps/api/src/main.js"]
