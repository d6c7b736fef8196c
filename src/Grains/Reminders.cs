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
