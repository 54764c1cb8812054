/** Stops the servers test/support/global-setup.js started (it runs in the same process). */
export default async function globalTeardown() {
  const servers = globalThis.procureflowSharedServers;
  if (!servers) return;
  globalThis.procureflowSharedServers = undefined;
  await servers.temporal?.stop();
  await servers.postgres?.stop();
}
