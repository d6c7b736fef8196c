using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Carts;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Products;

namespace OrderActors.Silo.Verification;

/// <summary>
/// Reads every persisted product, order, cart and reminder of one service straight from PostgreSQL and checks the
/// promises that hold once the system has converged: stock adds up, each product's reserved units are exactly those
/// of its orders awaiting payment and its sold units those of its paid orders, no product holds stock for an order
/// that is not awaiting payment, no idempotency key produced two orders, and whatever still has work to do has the
/// reminder that will do it.
/// </summary>
public static class ConsistencyChecker
{
    public static async Task<IReadOnlyList<string>> CheckAsync(string connectionString, string serviceId, CancellationToken cancellationToken)
    {
        var (products, orders, carts, reminders) = await StoredState.LoadAsync(connectionString, serviceId, cancellationToken);
        var ordersById = orders.ToDictionary(o => o.OrderId);
        var awaitingBySku = UnitsBySku(orders.Where(o => o.Status == OrderStatus.PendingPayment));
        var paidBySku = UnitsBySku(orders.Where(o => o.PaymentKey is not null));
        var violations = new List<string>();

        foreach (var product in products)
        {
            if (product.Reservations.Count > 0 && !reminders.Contains(($"product/{product.Sku}", ProductGrain.AuditReminder)))
            {
                violations.Add($"product {product.Sku}: keeps reservation records but has no audit reminder");
            }

            // A reservation its order has not acknowledged yet is held either way; one whose order is not awaiting
            // payment is reported and counted apart, so the totals only disagree when a count is really wrong.
            long stray = 0;
            foreach (var (orderId, record) in product.Reservations.Where(r => r.Value.Stage == ReservationStage.Reserved))
            {
                var order = ordersById.GetValueOrDefault(orderId);
                var line = order?.Lines.Find(l => l.Sku == product.Sku);
                stray += order?.Status == OrderStatus.PendingPayment ? 0 : record.Quantity;
                if (order?.Status != OrderStatus.PendingPayment || line?.Quantity != record.Quantity)
                {
                    violations.Add($"product {product.Sku}: reservation of {record.Quantity} for order {orderId} " +
                                   $"whose status is {order?.Status ?? OrderStatus.None} and whose line for it is {line?.Quantity.ToString() ?? "missing"}");
                }
            }

            violations.AddRange(CheckStock(product, awaitingBySku.GetValueOrDefault(product.Sku), stray, paidBySku.GetValueOrDefault(product.Sku)));
        }

        foreach (var order in orders)
        {
            violations.AddRange(CheckOrder(order));
            var unfinished = order.Status is OrderStatus.Placing or OrderStatus.PendingPayment || order.PendingStock != StockAction.None;
            if (unfinished && !reminders.Contains(($"order/{order.OrderId}", OrderGrain.ReminderName)))
            {
                violations.Add($"order {order.OrderId}: {order.Status} with no reminder; nothing would expire or finish it");
            }
        }

        foreach (var duplicate in orders.GroupBy(o => (o.CustomerId, o.CheckoutKey)).Where(g => g.Count() > 1))
        {
            violations.Add($"customer {duplicate.Key.CustomerId}: idempotency key '{duplicate.Key.CheckoutKey}' produced " +
                           $"{duplicate.Count()} orders: {string.Join(", ", duplicate.Select(o => o.OrderId))}");
        }

        foreach (var cart in carts)
        {
            foreach (var (key, record) in cart.Checkouts.Where(c => c.Value.Outcome == CheckoutOutcome.Placed))
            {
                if (!ordersById.TryGetValue(record.OrderId, out var order) || order.CheckoutKey != key)
                {
                    violations.Add($"cart {cart.CustomerId}: key '{key}' placed order {record.OrderId}, which is not stored under that key");
                }
            }
        }

        return violations;
    }

    private static IEnumerable<string> CheckStock(ProductState product, long awaiting, long stray, long paid)
    {
        if (product.Reserved < 0 || product.Reserved > product.OnHand)
        {
            yield return $"product {product.Sku}: reserved {product.Reserved} is outside 0..onHand ({product.OnHand})";
        }

        if (awaiting + stray != product.Reserved)
        {
            yield return $"product {product.Sku}: reserved is {product.Reserved} but orders awaiting payment hold {awaiting}" +
                         (stray > 0 ? $" and other reservations {stray}" : "");
        }

        if (paid != product.Sold)
        {
            yield return $"product {product.Sku}: sold is {product.Sold} but paid orders bought {paid}";
        }

        var expected = product.InitialStock + product.Adjusted - product.Sold + product.Returned;
        if (expected != product.OnHand)
        {
            yield return $"product {product.Sku}: onHand is {product.OnHand} but initial {product.InitialStock} + adjusted {product.Adjusted} " +
                         $"- sold {product.Sold} + returned {product.Returned} = {expected}";
        }
    }

    /// <summary>Units per SKU over the lines of <paramref name="orders"/>.</summary>
    private static Dictionary<string, long> UnitsBySku(IEnumerable<OrderState> orders) =>
        orders.SelectMany(o => o.Lines).GroupBy(l => l.Sku).ToDictionary(g => g.Key, g => g.Sum(l => (long)l.Quantity));

    private static IEnumerable<string> CheckOrder(OrderState order)
    {
        if (order.Status == OrderStatus.Placing)
        {
            yield return $"order {order.OrderId}: still Placing; an interrupted placement should have been undone";
        }

        if (order.PendingStock != StockAction.None)
        {
            yield return $"order {order.OrderId}: {order.Status} with its stock effect ({order.PendingStock}) not applied";
        }
    }
}
