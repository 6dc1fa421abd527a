import type { Connection } from '@weft/sdk';

export interface AcmeOrder {
  id: string;
  status: string;
  total: number;
  updatedAt: string;
}

export interface AcmeWarehouse {
  id: string;
  name: string;
}

/** A small client of Acme's REST API, authenticated with the fields of the "Acme Connection". */
export function createAcmeClient(connection: Connection) {
  const baseUrl = String(connection.fields.baseUrl ?? '').replace(/\/+$/, '');
  const apiKey = String(connection.fields.apiKey ?? '');

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`Acme answered ${response.status} to ${method} ${path}`);
    return (await response.json()) as T;
  }

  return {
    listOrders: (status: string, updatedSince?: string) =>
      request<AcmeOrder[]>(
        'GET',
        `/orders?status=${encodeURIComponent(status)}${updatedSince ? `&updatedSince=${encodeURIComponent(updatedSince)}` : ''}`,
      ),
    listWarehouses: () => request<AcmeWarehouse[]>('GET', '/warehouses'),
    sendToWarehouse: (warehouseId: string, order: AcmeOrder) =>
      request<{ shipmentId: string }>('POST', `/warehouses/${encodeURIComponent(warehouseId)}/shipments`, {
        orderId: order.id,
      }),
  };
}
