namespace OrderActors.Grains.Tests;

/// <summary>A grain that drops its reminders the way the product, cart and order grains do.</summary>
public interface IReminderDropProbe : IGrainWithStringKey
{
    /// <summary>Registers <paramref name="name"/>, reads it, registers it anew, then drops the version it read.</summary>
    /// <returns>Whether the reminder is still registered.</returns>
    Task<bool> DropReadVersionAfterRenewal(string name);

    /// <summary>Registers <paramref name="name"/>, then drops it as it is stored now.</summary>
    /// <returns>Whether the reminder is still registered.</returns>
    Task<bool> DropCurrent(string name);

    /// <summary>
    /// Registers <paramref name="name"/> once, then drops it while another change of the grain needs it again and
    /// registers it anew during the drop's read.
    /// </summary>
    /// <returns>Whether the reminder is still registered.</returns>
    Task<bool> DropOnceWhileNeededAgain(string name);

    /// <summary>Registers <paramref name="name"/>, then drops it while the reminder table refuses this grain's removals.</summary>
    Task DropWhileTableUnreachable(string name);

    /// <summary>Registers <paramref name="name"/> once, then drops it through the same once-only registration while the table refuses removals.</summary>
    Task DropOnceWhileTableUnreachable(string name);

    Task<bool> IsRegistered(string name);
}

public sealed class ReminderDropProbe(ReminderTableFaults faults) : Grain, IReminderDropProbe, IRemindable
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    public async Task<bool> DropReadVersionAfterRenewal(string name)
    {
        await this.RegisterOrUpdateReminder(name, Hour, Hour);
        var read = await this.GetReminder(name);
        // What a reentrant grain's other call does while the dropping one awaits: it needs the reminder, so registers it.
        await this.RegisterOrUpdateReminder(name, 2 * Hour, Hour);
        await this.DropReminder(read);
        return await this.GetReminder(name) is not null;
    }

    public async Task<bool> DropCurrent(string name)
    {
        await this.RegisterOrUpdateReminder(name, Hour, Hour);
        await this.DropReminder(name);
        return await this.GetReminder(name) is not null;
    }

    public async Task<bool> DropOnceWhileNeededAgain(string name)
    {
        var once = new ReminderOnce(name);
        await once.Ensure(this, Hour, Hour);
        // The product's audit: the drop starts, and a reservation's turn runs while it awaits its read.
        var dropping = once.Drop(this);
        await once.Ensure(this, Hour, Hour);
        await dropping;
        return await this.GetReminder(name) is not null;
    }

    public async Task DropWhileTableUnreachable(string name)
    {
        await this.RegisterOrUpdateReminder(name, Hour, Hour);
        faults.FailRemovals(this.GetGrainId());
        await this.DropReminder(name);
    }

    public async Task DropOnceWhileTableUnreachable(string name)
    {
        var once = new ReminderOnce(name);
        await once.Ensure(this, Hour, Hour);
        faults.FailRemovals(this.GetGrainId());
        await once.Drop(this);
    }

    public async Task<bool> IsRegistered(string name) => await this.GetReminder(name) is not null;

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;
}

[Collection(StandardClusterCollection.Name)]
public sealed class ReminderDropTests(StandardCluster fixture)
{
    [Fact]
    public async Task Dropping_a_reminder_registered_anew_since_it_was_read_keeps_the_new_registration_and_does_not_fail()
    {
        var probe = fixture.Grains.GetGrain<IReminderDropProbe>(Unique.Key("probe"));

        Assert.True(await probe.DropReadVersionAfterRenewal("audit"));
    }

    [Fact]
    public async Task Dropping_a_reminder_as_it_is_stored_removes_it()
    {
        var probe = fixture.Grains.GetGrain<IReminderDropProbe>(Unique.Key("probe"));

        Assert.False(await probe.DropCurrent("audit"));
    }

    [Fact]
    public async Task A_once_registered_reminder_needed_again_during_its_drop_stays_without_a_refused_unregistration()
    {
        var probe = fixture.Grains.GetGrain<IReminderDropProbe>(Unique.Key("probe"));

        Assert.True(await probe.DropOnceWhileNeededAgain("audit"));
        // Orleans logs every unregistration it refuses for a version mismatch as an error naming the grain.
        var key = probe.GetPrimaryKeyString();
        Assert.DoesNotContain(TestClusterSettings.SiloLogs.GetSnapshot(), e => e.Message.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_once_registered_reminder_dropped_while_its_table_is_unreachable_fails_and_stays_registered()
    {
        var probe = fixture.Grains.GetGrain<IReminderDropProbe>(Unique.Key("probe"));

        await Assert.ThrowsAsync<TimeoutException>(() => probe.DropOnceWhileTableUnreachable("audit"));

        Assert.True(await probe.IsRegistered("audit"));
    }

    [Fact]
    public async Task Dropping_a_reminder_while_its_table_is_unreachable_fails_and_leaves_it_registered()
    {
        var probe = fixture.Grains.GetGrain<IReminderDropProbe>(Unique.Key("probe"));

        // The table's own failure, not taken for a version conflict.
        await Assert.ThrowsAsync<TimeoutException>(() => probe.DropWhileTableUnreachable("audit"));

        Assert.True(await probe.IsRegistered("audit"));
    }
}
