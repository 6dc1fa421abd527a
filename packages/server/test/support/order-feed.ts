import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The Acme order feed the Spectral fixture's polling trigger reads: `/orders?since=<cursor>` answers the orders with
 * a larger id. `orders` is what it holds (tests push to it); `sinceSeen` is the `since` each poll asked for, in order.
 */
export interface OrderFeed {
  url: string;
  orders: Array<{ id: number; item: string }>;
  sinceSeen: string[];
  close(): Promise<void>;
}

export async function startOrderFeed(): Promise<OrderFeed> {
  const orders: OrderFeed['orders'] = [];
  const sinceSeen: string[] = [];
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://feed');
    sinceSeen.push(url.searchParams.get('since') ?? '');
    const since = Number(url.searchParams.get('since') ?? 0);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(orders.filter((order) => order.id > since)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`,
    orders,
    sinceSeen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
