import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy to 127.0.0.1:`targetPort` that holds each connection `delayMs` before passing bytes
 * on (a slow host), or forever with `delayMs: Infinity` (a host that never answers).
 */
export async function startSlowProxy(targetPort: number, delayMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    client.pause();
    if (delayMs === Infinity) return;
    setTimeout(() => {
      const upstream = connect(targetPort, '127.0.0.1');
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
      client.resume();
    }, delayMs);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}
