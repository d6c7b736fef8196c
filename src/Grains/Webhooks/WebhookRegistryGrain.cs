using OrderActors.Grains.Abstractions;
using Orleans.Placement;

namespace OrderActors.Grains.Webhooks;

/// <summary>
/// Knows every webhook subscription's id, so the admin API can list them and every silo's keep-alive can wake them.
/// A subscription adds itself once it is stored and removes itself when deleted; an id whose subscription is gone (a
/// delete that failed half-way) is forgotten the next time the list is read.
/// </summary>
[GrainType("webhook-registry")]
// Stays where it is when Orleans' rebalancer or a stopping silo's hand-off moves activations: only the webhook API
// calls it, never a shopper's request, so nothing gains from it moving warm.
[Immovable]
public sealed class WebhookRegistryGrain(
    [PersistentState("webhook-registry", StorageNames.Orders)] IPersistentState<WebhookRegistryState> state) : Grain, IWebhookRegistryGrain
{
    public async Task Add(string id)
    {
        if (!state.State.Ids.Contains(id))
        {
            state.State.Ids.Add(id);
            await state.WriteStateAsync();
        }
    }

    public async Task Remove(string id)
    {
        if (state.State.Ids.Remove(id))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task<IReadOnlyList<WebhookView>> List()
    {
        var answers = await Task.WhenAll(state.State.Ids.Select(id => GrainFactory.Reference<IWebhookGrain>(id).Get()));
        var gone = state.State.Ids.Where((_, i) => answers[i].Error?.Kind == ErrorKind.NotFound).ToList();
        if (gone.Count > 0)
        {
            state.State.Ids.RemoveAll(gone.Contains);
            await state.WriteStateAsync();
        }

        return answers.Where(a => a.IsSuccess).Select(a => a.Value!).ToList();
    }

    public async Task<IReadOnlyList<LogHold>> Holds()
    {
        var holds = await Task.WhenAll(state.State.Ids.Select(id => GrainFactory.Reference<IWebhookGrain>(id).Hold()));
        return holds.OfType<LogHold>().ToList();
    }

    public Task WakeAll()
    {
        foreach (var id in state.State.Ids)
        {
            GrainFactory.Reference<IWebhookGrain>(id).Wake().Ignore();
        }

        return Task.CompletedTask;
    }
}
