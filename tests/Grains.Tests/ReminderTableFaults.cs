using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace OrderActors.Grains.Tests;

/// <summary>Reminder removals that fail on demand, per grain: the reminder table as an unreachable database leaves it.</summary>
public sealed class ReminderTableFaults
{
    private readonly ConcurrentDictionary<GrainId, bool> failingRemovals = new();

    public void FailRemovals(GrainId grain) => failingRemovals[grain] = true;

    internal bool FailsRemovals(GrainId grain) => failingRemovals.ContainsKey(grain);

    /// <summary>Wraps the reminder table registered so far (so call it after it) in one that obeys these faults.</summary>
    public static void Apply(ISiloBuilder silo)
    {
        var registered = silo.Services.Last(d => d.ServiceType == typeof(IReminderTable) && !d.IsKeyedService);
        silo.Services.Remove(registered);
        silo.Services.AddSingleton<ReminderTableFaults>();
        silo.Services.AddSingleton<IReminderTable>(services => new FaultyReminderTable(
            registered.ImplementationFactory is { } factory ? (IReminderTable)factory(services)
            : registered.ImplementationInstance as IReminderTable ?? (IReminderTable)ActivatorUtilities.CreateInstance(services, registered.ImplementationType!),
            services.GetRequiredService<ReminderTableFaults>()));
    }

    /// <summary>Every member forwards to the same member of the wrapped table, except a removal the faults refuse.</summary>
    private sealed class FaultyReminderTable(IReminderTable table, ReminderTableFaults faults) : IReminderTable
    {
        public Task StartAsync(CancellationToken cancellationToken) => table.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => table.StopAsync(cancellationToken);

        public Task<ReminderTableData> ReadRows(GrainId grainId) => table.ReadRows(grainId);

        public Task<ReminderTableData> ReadRows(GrainId grainId, CancellationToken cancellationToken) => table.ReadRows(grainId, cancellationToken);

        public Task<ReminderTableData> ReadRows(uint begin, uint end) => table.ReadRows(begin, end);

        public Task<ReminderTableData> ReadRows(uint begin, uint end, CancellationToken cancellationToken) => table.ReadRows(begin, end, cancellationToken);

        public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => table.ReadRow(grainId, reminderName);

        public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName, CancellationToken cancellationToken) =>
            table.ReadRow(grainId, reminderName, cancellationToken);

        public Task<string?> UpsertRow(ReminderEntry entry) => table.UpsertRow(entry);

        public Task<string?> UpsertRow(ReminderEntry entry, CancellationToken cancellationToken) => table.UpsertRow(entry, cancellationToken);

        public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) =>
            Refused(grainId) ?? table.RemoveRow(grainId, reminderName, eTag);

        public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken) =>
            Refused(grainId) ?? table.RemoveRow(grainId, reminderName, eTag, cancellationToken);

        public Task TestOnlyClearTable() => table.TestOnlyClearTable();

        public Task TestOnlyClearTable(CancellationToken cancellationToken) => table.TestOnlyClearTable(cancellationToken);

        private Task<bool>? Refused(GrainId grainId) =>
            faults.FailsRemovals(grainId) ? Task.FromException<bool>(new TimeoutException("The reminder table did not answer (injected).")) : null;
    }
}
