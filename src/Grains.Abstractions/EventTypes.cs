namespace OrderActors.Grains.Abstractions;

/// <summary>The types of event the log holds (docs/events.md, "Catalog"): what a webhook may subscribe to.</summary>
public static class EventTypes
{
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        "order.placed", "order.paid", "order.shipped", "order.delivered", "order.cancelled", "order.expired",
        "order.shipping_changed", "order.refund_requested", "order.refunded",
        "product.created", "product.updated", "product.stock_adjusted", "product.deactivated", "product.stock_returned",
        "product.stock_changed",
    };
}
