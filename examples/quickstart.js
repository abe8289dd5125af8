// A first AgentScript: plain data work, no tools needed. Run it with `npm start`.
const orders = [
  { id: 'A-1', customer: 'ada', total: 120.5, placed: '2026-11-02T10:00:00Z' },
  { id: 'A-2', customer: 'grace', total: 80, placed: '2026-11-03T12:30:00Z' },
  { id: 'A-3', customer: 'ada', total: 42.25, placed: '2026-11-20T08:15:00Z' },
];
const byCustomer = new Map();
for (const o of orders) {
  byCustomer.set(o.customer, (byCustomer.get(o.customer) ?? 0) + o.total);
}
const top = [...byCustomer.entries()].sort((a, b) => b[1] - a[1]).map(([name, total]) => ({ name, total }));
console.log(`${orders.length} orders from ${byCustomer.size} customers`);
return { top, latest: new Date(orders[orders.length - 1].placed).toISOString().slice(0, 10) };
