using OrderActors.Silo.Hosting;
using Orleans.Storage;

namespace OrderActors.Grains.Tests;

/// <summary>
/// A write stores the state as the grain handed it over, even when the provider reads it later (after an await, as the
/// ADO.NET provider does once it has a connection) while the grain's next turns go on changing it.
/// </summary>
public sealed class DiscardingGrainStorageTests
{
    [Fact]
    public async Task A_write_stores_the_state_of_its_turn_not_changes_made_while_it_waits_for_a_connection()
    {
        var inner = new LateReadingStorage();
        var storage = new DiscardingGrainStorage(inner, new NoGrainContext());
        var counters = new Counters { Values = { ["a"] = 1 } };
        var state = new GrainState<Counters>(counters, "7");

        var write = storage.WriteStateAsync("counters", GrainId.Create("test", "one"), state);
        // The next turn of a reentrant grain, while the write waits.
        counters.Values["b"] = 2;
        counters.Values["a"] = 3;
        inner.Connected.SetResult();
        await write;

        Assert.Equal("""{"values":{"a":1}}""", inner.Stored);
        Assert.Equal(("8", true), (state.ETag, state.RecordExists));
        Assert.Same(counters, state.State);
    }

    [Fact]
    public async Task A_write_stores_the_state_of_its_turn_even_when_the_grain_replaces_the_state_object_meanwhile()
    {
        var inner = new LateReadingStorage();
        var storage = new DiscardingGrainStorage(inner, new NoGrainContext());
        var state = new GrainState<Counters>(new Counters { Values = { ["a"] = 1 } }, "7");

        var write = storage.WriteStateAsync("counters", GrainId.Create("test", "one"), state);
        state.State = new Counters { Values = { ["b"] = 2 } };
        inner.Connected.SetResult();
        await write;

        Assert.Equal("""{"values":{"a":1}}""", inner.Stored);
        Assert.Equal("8", state.ETag);
    }

    public sealed class Counters
    {
        public Dictionary<string, int> Values { get; set; } = [];
    }

    /// <summary>Serializes the state only once "connected", as a pooled connection that is not idle makes the provider do.</summary>
    private sealed class LateReadingStorage : IGrainStorage
    {
        public TaskCompletionSource Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string? Stored { get; private set; }

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            await Connected.Task.ConfigureAwait(false);
            Stored = new StateJsonSerializer().Serialize(grainState.State).ToString();
            grainState.ETag = (int.Parse(grainState.ETag!, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.CompletedTask;

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.CompletedTask;
    }

    private sealed class NoGrainContext : IGrainContextAccessor
    {
        public IGrainContext GrainContext => null!;
    }
}
