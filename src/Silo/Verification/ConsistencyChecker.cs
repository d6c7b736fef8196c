using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Carts;
using OrderActors.Grains.Deadlines;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Products;

namespace OrderActors.Silo.Verification;

/// <summary>
/// Reads every persisted product, order, cart and reminder of one service straight from PostgreSQL and checks the
/// promises that hold once the system has converged: stock adds up, each product's reserved units are exactly those
/// of its orders awaiting payment and its sold units those of its paid orders, no product holds stock for an order
/// that is not awaiting payment, no idempotency key produced two orders, whatever still has work to do has the
/// reminder that will do it, the listings show every product and placed order as stored, and the money customers are
/// owed is asked back: a paid order cancelled requested its refund, a refund requested is owed until the provider
/// reports it succeeded (reported once older than <see cref="RefundPatience"/>), and only an order owing nothing is Refunded.
/// </summary>
public static class ConsistencyChecker
{
    /// <summary>How far a listing row may lag behind its product or order (it is written within ~200 ms of a change).</summary>
    public static readonly TimeSpan ListingLag = TimeSpan.FromSeconds(5);

    /// <summary>How long a refund may wait for the provider's <c>refund.succeeded</c> before it is reported as owed.</summary>
    public static readonly TimeSpan RefundPatience = TimeSpan.FromHours(1);

    public static async Task<IReadOnlyList<string>> CheckAsync(string connectionString, string serviceId, CancellationToken cancellationToken)
    {
        var stored = await StoredState.LoadAsync(connectionString, serviceId, ListingLag, cancellationToken);
        var (products, orders, carts, reminders) = (stored.Products, stored.Orders, stored.Carts, stored.Reminders);
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

            // A sale whose order has not stored its payment yet (an order sells first, then stores Paid): its units
            // count as sold, not reserved, until the payment's retry stores it or the order's expiry undoes the sale.
            var selling = product.Reservations
                .Where(r => r.Value.Stage == ReservationStage.Committed && ordersById.GetValueOrDefault(r.Key)?.Status == OrderStatus.PendingPayment)
                .Sum(r => (long)r.Value.Quantity);
            violations.AddRange(CheckStock(
                product, awaitingBySku.GetValueOrDefault(product.Sku) - selling, stray, paidBySku.GetValueOrDefault(product.Sku) + selling));
        }

        foreach (var shard in stored.Deadlines.Where(d => d.Due.Count > 0))
        {
            if (!reminders.Contains(($"deadlines/{shard.Shard}", DeadlineGrain.ReminderName)))
            {
                violations.Add($"deadline shard {shard.Shard}: tracks {shard.Due.Count} orders but has no reminder");
            }
        }

        // An order awaiting payment stores its deadline after answering and acknowledges its reservations after that:
        // while a product still records one of them, that product's audit brings a lost deadline back.
        var tracked = stored.Deadlines.SelectMany(d => d.Due.Keys)
            .Concat(products.SelectMany(p => p.Reservations.Where(r => r.Value.Stage == ReservationStage.Reserved).Select(r => r.Key)))
            .ToHashSet();
        var productsBySku = products.ToDictionary(p => p.Sku);
        foreach (var order in orders)
        {
            violations.AddRange(CheckOrder(order));
            violations.AddRange(CheckReservationNumbers(order, productsBySku));
            var unfinished = order.Status is OrderStatus.Placing or OrderStatus.PendingPayment || order.PendingStock != StockAction.None;
            if (unfinished && !tracked.Contains(order.OrderId) && !reminders.Contains(($"order/{order.OrderId}", OrderGrain.ReminderName)))
            {
                violations.Add($"order {order.OrderId}: {order.Status} tracked by no deadline shard; nothing would expire or finish it");
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

        violations.AddRange(CheckListings(stored));
        violations.AddRange(CheckLog(stored));
        return violations;
    }

    /// <summary>
    /// The outbox and the log agree: every event a stored state counts (sequences 1 to its outbox's last) is in the
    /// log exactly once — or, once retention has deleted events, every one after its horizon is — every entry the
    /// state still holds is there with its type (unless older than what retention deleted), and the log holds nothing
    /// for a change that was not stored.
    /// </summary>
    private static IEnumerable<string> CheckLog(StoredState stored)
    {
        var entities = stored.Products.Select(p => ($"product/{p.Sku}", p.Outbox.LastSequence))
            .Concat(stored.Orders.Select(o => ($"order/{o.OrderId}", o.Outbox.LastSequence)))
            .ToDictionary(e => e.Item1, e => e.LastSequence);
        foreach (var (entity, last) in entities)
        {
            var logged = stored.Logged.GetValueOrDefault(entity) ?? new LoggedRange(0, 0, 0);
            var expected = last == 0 ? new LoggedRange(0, 0, 0) : new LoggedRange(last, 1, last);
            // Once retention has deleted events, any before its horizon may be gone (a reader can still hold an old
            // one, such as a dead letter); every one after it is kept: the entity's newest, each once, up to its last.
            var after = stored.LoggedAfterHorizon.GetValueOrDefault(entity) ?? new LoggedRange(0, 0, 0);
            var trimmed = stored.TrimmedBefore is not null && logged.Last <= last
                && (after.Count == 0 || after == new LoggedRange(last - after.First + 1, after.First, last));
            if (logged != expected && !trimmed)
            {
                yield return $"{entity}: stored events 1..{last}, logged {logged.Count} from {logged.First} to {logged.Last}";
            }
        }

        foreach (var entity in stored.Logged.Keys.Where(e => !entities.ContainsKey(e)))
        {
            yield return $"{entity}: logged but not stored";
        }

        foreach (var unlogged in stored.UnloggedPending)
        {
            yield return $"{unlogged} is stored but not in the log";
        }
    }

    /// <summary>
    /// Every product, and every order a customer can see, is listed exactly as stored, unless it changed within
    /// <see cref="ListingLag"/>; nothing is listed that is not stored.
    /// </summary>
    private static IEnumerable<string> CheckListings(StoredState stored)
    {
        foreach (var product in stored.Products.Where(p => !stored.ChangedWithin.Contains($"product/{p.Sku}")))
        {
            var listed = stored.ListedProducts.GetValueOrDefault(product.Sku);
            if (listed != product.ToSummary())
            {
                yield return $"product {product.Sku}: listed as {listed?.ToString() ?? "nothing"}, stored as {product.ToSummary()}";
            }
        }

        foreach (var order in stored.Orders.Where(o => o.IsPlaced() && !stored.ChangedWithin.Contains($"order/{o.OrderId}")))
        {
            // PostgreSQL keeps microseconds; the grain keeps ticks.
            var expected = order.ToSummary() with { CreatedAt = order.CreatedAt.AddTicks(-(order.CreatedAt.Ticks % 10)) };
            var listed = stored.ListedOrders.GetValueOrDefault(order.OrderId);
            if (listed != expected)
            {
                yield return $"order {order.OrderId}: listed as {listed?.ToString() ?? "nothing"}, stored as {expected}";
            }
        }

        var storedProducts = stored.Products.Select(p => p.Sku).ToHashSet();
        foreach (var sku in stored.ListedProducts.Keys.Where(sku => !storedProducts.Contains(sku)))
        {
            yield return $"product {sku}: listed but not stored";
        }

        var placed = stored.Orders.Where(o => o.IsPlaced()).Select(o => o.OrderId).ToHashSet();
        foreach (var orderId in stored.ListedOrders.Keys.Where(id => !placed.Contains(id)))
        {
            yield return $"order {orderId}: listed but not placed";
        }
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

    /// <summary>
    /// An order awaiting payment holds each line's reservation under the number its product gave it: that number is
    /// still open there, unless the product records the line's sale whose payment is not stored yet.
    /// </summary>
    private static IEnumerable<string> CheckReservationNumbers(OrderState order, Dictionary<string, ProductState> productsBySku)
    {
        if (order.Status != OrderStatus.PendingPayment)
        {
            yield break;
        }

        foreach (var line in order.Lines.Where(l => l.ReservationNumber != 0))
        {
            if (productsBySku.GetValueOrDefault(line.Sku) is { } product && !product.Open.IsOpen(line.ReservationNumber)
                && product.Reservations.GetValueOrDefault(order.OrderId)?.Stage != ReservationStage.Committed)
            {
                yield return $"order {order.OrderId}: awaits payment under reservation {line.ReservationNumber} of {line.Sku}, which that product no longer holds";
            }
        }
    }

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

        foreach (var refund in order.Refunds.Where(r => r.IsOwed() && DateTimeOffset.UtcNow - r.RequestedAt > RefundPatience))
        {
            yield return $"order {order.OrderId}: refund of {refund.Amount} {refund.Currency} for payment {refund.PaymentId ?? "(recorded by hand)"} " +
                         $"requested at {refund.RequestedAt:O} is still owed ({refund.Status})";
        }

        if (order.Status is OrderStatus.Cancelled or OrderStatus.Refunded && order.PaymentKey is not null
            && !order.Refunds.Exists(r => r.PaymentId == order.PaymentId && r.Amount == order.PaidAmount))
        {
            yield return $"order {order.OrderId}: paid, then {order.Status}, but no refund of its payment was requested";
        }

        if (order.Status == OrderStatus.Refunded && order.Refunds.Exists(r => r.IsOwed()))
        {
            yield return $"order {order.OrderId}: Refunded while a refund is still owed";
        }
    }
}
