namespace OrderActors.Grains.Products;

/// <summary>
/// The numbers of a product's reservations that still hold units, acknowledged or not, as sorted runs of consecutive
/// numbers. Numbers are handed out in increasing order and most reservations end soon after they begin, so the runs
/// stay few: the state carries them on every write.
/// </summary>
[GenerateSerializer, Alias("orderactors.open-reservations")]
public sealed class OpenReservations
{
    /// <summary>Each run as its first number and the number after its last, runs in increasing order.</summary>
    [Id(0)] public List<long> Bounds { get; set; } = [];

    /// <summary>Adds <paramref name="number"/>, which must be greater than every number added before.</summary>
    public void Open(long number)
    {
        if (Bounds.Count > 0 && number < Bounds[^1])
        {
            throw new ArgumentOutOfRangeException(nameof(number), number, $"Reservation numbers only grow; the last run ends at {Bounds[^1]}.");
        }

        if (Bounds.Count > 0 && Bounds[^1] == number)
        {
            Bounds[^1] = number + 1;
            return;
        }

        Bounds.Add(number);
        Bounds.Add(number + 1);
    }

    public bool IsOpen(long number) => RunOf(number) >= 0;

    /// <summary>Removes <paramref name="number"/>; false when it was not open (never opened, or closed already).</summary>
    public bool Close(long number)
    {
        var run = RunOf(number);
        if (run < 0)
        {
            return false;
        }

        var (start, end) = (Bounds[run], Bounds[run + 1]);
        if (start == number && end == number + 1)
        {
            Bounds.RemoveRange(run, 2);
        }
        else if (start == number)
        {
            Bounds[run] = number + 1;
        }
        else if (end == number + 1)
        {
            Bounds[run + 1] = number;
        }
        else
        {
            Bounds.InsertRange(run + 1, [number, number + 1]);
        }

        return true;
    }

    /// <summary>The index in <see cref="Bounds"/> of the run holding <paramref name="number"/>, or -1.</summary>
    private int RunOf(long number)
    {
        // Bounds strictly increase (runs never touch), so the last bound not above the number is a run's start exactly
        // when the number is inside that run.
        var index = Bounds.BinarySearch(number);
        var last = index >= 0 ? index : ~index - 1;
        return last >= 0 && last % 2 == 0 ? last : -1;
    }
}
