using OrderActors.Grains.Events;

namespace OrderActors.Grains.Tests;

public sealed class OutboxTests
{
    [Fact]
    public void An_event_type_webhooks_cannot_subscribe_to_is_refused_and_nothing_is_recorded()
    {
        var outbox = new Outbox();

        Assert.Throws<ArgumentException>(() => outbox.Add("SKU-1", "product.renamed", new { }));
        outbox.Add("SKU-1", "product.updated", new { });

        Assert.Equal([(1L, "product.updated")], outbox.Pending.Select(e => (e.Sequence, e.Type)));
    }
}
