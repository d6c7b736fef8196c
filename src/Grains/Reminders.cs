namespace OrderActors.Grains;

public static class Reminders
{
    /// <summary>Unregisters the grain's reminder <paramref name="name"/> as it is stored now, if there is one.</summary>
    public static async Task DropReminder(this Grain grain, string name)
    {
        var reminder = await grain.GetReminder(name);
        if (reminder is not null)
        {
            await grain.UnregisterReminder(reminder);
        }
    }
}

/// <summary>
/// A reminder a grain registers at most once per activation, before the first change that needs it: registering is a
/// write, and the reminder outlives the activation anyway. Cleared before the grain drops the reminder, so that a
/// change made meanwhile registers it anew.
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

    public void Clear() => registered = false;
}
