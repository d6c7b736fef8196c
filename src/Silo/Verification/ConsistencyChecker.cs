using System.Text.Json;
using Npgsql;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Carts;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Products;
using OrderActors.Silo.Hosting;

namespace OrderActors.Silo.Verification;

/// <summary>
/// Reads every persisted product, order, cart and reminder of one service straight from PostgreSQL and checks the
/// promises that hold once the system has converged: stock adds up, every open reservation belongs to an order
/// awaiting payment (and every such order holds its reservations), no idempotency key produced two orders, and
/// whatever still has work to do has the reminder that will do it.
/// </summary>
public static class ConsistencyChecker
{
    public static async Task<IReadOnlyList<string>> CheckAsync(string connectionString, string serviceId, CancellationToken cancellationToken)
    {
        var (products, orders, carts, reminders) = await Load(connectionString, serviceId, cancellationToken);
        var ordersById = orders.ToDictionary(o => o.OrderId);
        var violations = new List<string>();

        foreach (var product in products)
        {
            violations.AddRange(CheckStock(product));
            if (product.Reservations.Count > 0 && !reminders.Contains(($"product/{product.Sku}", ProductGrain.AuditReminder)))
            {
                violations.Add($"product {product.Sku}: holds reservations but has no audit reminder");
            }

            foreach (var (orderId, reservation) in product.Reservations)
            {
                var line = ordersById.GetValueOrDefault(orderId)?.Lines.Find(l => l.Sku == product.Sku);
                var status = ordersById.GetValueOrDefault(orderId)?.Status ?? OrderStatus.None;
                if (status != OrderStatus.PendingPayment || line?.Quantity != reservation.Quantity)
                {
                    violations.Add($"product {product.Sku}: reservation of {reservation.Quantity} for order {orderId} " +
                                   $"whose status is {status} and whose line for it is {line?.Quantity.ToString() ?? "missing"}");
                }
            }
        }

        var productsBySku = products.ToDictionary(p => p.Sku);
        foreach (var order in orders)
        {
            violations.AddRange(CheckOrder(order, productsBySku));
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

    private static IEnumerable<string> CheckStock(ProductState product)
    {
        if (product.Reserved < 0 || product.Reserved > product.OnHand)
        {
            yield return $"product {product.Sku}: reserved {product.Reserved} is outside 0..onHand ({product.OnHand})";
        }

        var held = product.Reservations.Values.Sum(r => r.Quantity);
        if (held != product.Reserved)
        {
            yield return $"product {product.Sku}: reserved is {product.Reserved} but its open reservations hold {held}";
        }

        var expected = product.InitialStock + product.Adjusted - product.Sold + product.Returned;
        if (expected != product.OnHand)
        {
            yield return $"product {product.Sku}: onHand is {product.OnHand} but initial {product.InitialStock} + adjusted {product.Adjusted} " +
                         $"- sold {product.Sold} + returned {product.Returned} = {expected}";
        }
    }

    private static IEnumerable<string> CheckOrder(OrderState order, Dictionary<string, ProductState> products)
    {
        if (order.Status == OrderStatus.Placing)
        {
            yield return $"order {order.OrderId}: still Placing; an interrupted placement should have been undone";
        }

        if (order.PendingStock != StockAction.None)
        {
            yield return $"order {order.OrderId}: {order.Status} with its stock effect ({order.PendingStock}) not applied";
        }

        if (order.Status != OrderStatus.PendingPayment)
        {
            yield break;
        }

        foreach (var line in order.Lines)
        {
            var held = products.GetValueOrDefault(line.Sku)?.Reservations.GetValueOrDefault(order.OrderId)?.Quantity;
            if (held != line.Quantity)
            {
                yield return $"order {order.OrderId}: awaits payment for {line.Quantity} of {line.Sku} but holds {held?.ToString() ?? "no"} reservation";
            }
        }
    }

    private static async Task<(List<ProductState>, List<OrderState>, List<CartState>, HashSet<(string, string)>)> Load(
        string connectionString, string serviceId, CancellationToken cancellationToken)
    {
        List<ProductState> products = [];
        List<OrderState> orders = [];
        List<CartState> carts = [];
        HashSet<(string GrainId, string Name)> reminders = [];
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);

        // One snapshot for both tables, so a reminder moving on between two reads is not taken for a violation.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await using (var command = new NpgsqlCommand("SELECT GrainId, ReminderName FROM OrleansReminders WHERE ServiceId = @ServiceId", connection, transaction))
        {
            command.Parameters.AddWithValue("ServiceId", serviceId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                reminders.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        await using var states = new NpgsqlCommand(
            "SELECT GrainTypeString, PayloadBinary FROM OrleansStorage WHERE ServiceId = @ServiceId AND PayloadBinary IS NOT NULL", connection, transaction);
        states.Parameters.AddWithValue("ServiceId", serviceId);
        await using var rows = await states.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
        {
            var payload = (byte[])rows[1];
            switch (rows.GetString(0))
            {
                case "product":
                    products.Add(Read<ProductState>(payload));
                    break;
                case "order":
                    orders.Add(Read<OrderState>(payload));
                    break;
                case "cart":
                    carts.Add(Read<CartState>(payload));
                    break;
            }
        }

        return (products, orders, carts, reminders);
    }

    private static T Read<T>(byte[] payload) => JsonSerializer.Deserialize<T>(payload, StateJsonSerializer.Options)!;
}
