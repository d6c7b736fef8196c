namespace OrderActors.Grains;

public static class Reminders
{
    /// <summary>Unregisters the grain's reminder <paramref name="name"/> as it is stored now, if there is one.</summary>
    public static async Task DropReminder(this Grain grain, string name) =>
        await grain.DropReminder(await grain.GetReminder(name));

    /// <summary>
    /// Unregisters <paramref name="reminder"/> in the version it was read in, if there is one. If it was registered anew
    /// since (a reentrant grain's other call needed it while this one awaited), the table holds another version and the
    /// newer registration stays: that is what its caller wanted, not a failure of this one.
    /// </summary>
    public static async Task DropReminder(this Grain grain, IGrainReminder? reminder)
    {
        if (reminder is null)
        {
            return;
        }

        try
        {
            await grain.UnregisterReminder(reminder);
        }
        catch (ReminderException)
        {
            // Orleans' only refusal of an unregistration: the stored version is not the one read. An unreachable table
            // throws its own exception and still fails the call.
        }
    }
}

/// <summary>
/// A reminder a grain registers at most once per activation, before the first change that needs it: registering is a
/// write, and the reminder outlives the activation anyway. Dropped through <see cref="Drop"/>, so that a change made
/// meanwhile registers it anew.
/// </summary>
public sealed class ReminderOnce(string name)
{
    private bool registered;

    public async Task Ensure(Grain grain, TimeSpan due, TimeSpan period)
    {
        if (registered)
        {
            return;
        }

        registered = true;
        try
        {
            await grain.RegisterOrUpdateReminder(name, due, period);
        }
        catch
        {
            registered = false;
            throw;
        }
    }

    /// <summary>
    /// Unregisters the reminder, unless a change made while this read it registered it anew: that registration is
    /// newer and wanted, and unregistering the version read would only be refused (Orleans logs each refusal as an error).
    /// </summary>
    public async Task Drop(Grain grain)
    {
        registered = false;
        var reminder = await grain.GetReminder(name);
        if (!registered)
        {
            await grain.DropReminder(reminder);
        }
    }
}
