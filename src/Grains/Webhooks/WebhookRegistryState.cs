namespace OrderActors.Grains.Webhooks;

/// <summary>The persisted state of the webhook registry.</summary>
[GenerateSerializer, Alias("orderactors.webhook-registry-state")]
public sealed class WebhookRegistryState
{
    /// <summary>The id of every subscription stored, in the order they were created.</summary>
    [Id(0)] public List<string> Ids { get; set; } = [];
}
