using Orleans.Concurrency;

namespace OrderActors.Grains.Abstractions;

/// <summary>The ids of every webhook subscription, so they can be listed and kept reading; one per cluster, key <see cref="Key"/>.</summary>
[Alias("orderactors.IWebhookRegistryGrain")]
public interface IWebhookRegistryGrain : IGrainWithStringKey
{
    public const string Key = "webhooks";

    /// <summary>Records a subscription (its grain calls this once it is stored); a repeat changes nothing.</summary>
    [Alias("add")]
    Task Add(string id);

    /// <summary>Forgets a subscription (its grain calls this when it is deleted).</summary>
    [Alias("remove")]
    Task Remove(string id);

    /// <summary>Every subscription, by id.</summary>
    [SafeToRetry]
    [Alias("list")]
    Task<IReadOnlyList<WebhookView>> List();

    /// <summary>Wakes every subscription (<see cref="ILogConsumerGrain.Wake"/>); every silo calls it every few seconds.</summary>
    [Alias("wake-all"), OneWay]
    Task WakeAll();

    /// <summary>What every subscription still needs from the log (<see cref="ILogConsumerGrain.Hold"/>).</summary>
    [Alias("holds")]
    Task<IReadOnlyList<LogHold>> Holds();
}
