using System.Net;
using System.Net.Sockets;

namespace OrderActors.Silo.Hosting;

/// <summary>Where this silo listens and what it tells the cluster, bound from the <c>Orleans</c> configuration section.</summary>
public sealed class OrleansSettings
{
    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients dial; <c>auto</c> picks this host's first non-loopback IPv4.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Bind every interface (containers) instead of only the advertised address.</summary>
    public bool ListenOnAnyAddress { get; set; }

    /// <summary>
    /// Which grain directory the cluster keeps: <c>Default</c> (Orleans' eventually consistent in-cluster one: a silo
    /// that leaves takes with it the other silos' activations whose entry it kept), <c>StronglyConsistent</c> (Orleans'
    /// versioned, range-locked in-cluster directory) or <c>Redis</c> (Orleans' Redis directory: the entries live in Redis
    /// under the cluster id, so no silo's leave or death touches another's activations, but every new activation and
    /// every lookup a silo has not cached needs Redis). Every silo of a cluster must agree.
    /// </summary>
    public string? GrainDirectory { get; set; } = "Default";

    /// <summary>The directories <see cref="GrainDirectory"/> names; the first is the default.</summary>
    public enum Directories { Default, StronglyConsistent, Redis }

    /// <summary><see cref="GrainDirectory"/> as one of the directories it accepts.</summary>
    public Directories ChosenDirectory => Choice<Directories>(GrainDirectory, nameof(GrainDirectory));

    /// <summary>
    /// Where new activations go unless a grain says otherwise: <c>Random</c> (ours: any compatible silo, evenly) or
    /// <c>ResourceOptimized</c> (Orleans' default: the least loaded silo, the local one when close).
    /// </summary>
    public string? Placement { get; set; } = "Random";

    /// <summary>The placements <see cref="Placement"/> names; the first is the default.</summary>
    public enum Placements { Random, ResourceOptimized }

    /// <summary><see cref="Placement"/> as one of the placements it accepts.</summary>
    public Placements ChosenPlacement => Choice<Placements>(Placement, nameof(Placement));

    /// <summary>
    /// How long an order stays in a silo's memory after its last call (Orleans' collection age for it; 15 minutes for
    /// other grains). An order is busy for the seconds of its checkout and payment and then waits for hours on staff
    /// (shipping); its payment deadline wakes it when due. Kept in memory, a shop's orders of the last quarter of an
    /// hour each cost memory, a slot in every walk Orleans makes over its activations and a deactivation in the burst
    /// of a silo's graceful stop. Longer than Orleans' collection quantum (one minute).
    /// </summary>
    public TimeSpan OrderIdleAge { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The same for a customer's cart, changed a few times while the customer shops, then checked out or left.</summary>
    public TimeSpan CartIdleAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether a gracefully stopping silo hands its busiest activations, with their state, to the silos that stay
    /// (<see cref="HandOffOnStop"/>) instead of deactivating them all. Off by default: on a saturated cluster its moves
    /// can wait on each other until <see cref="HandOffTimeout"/>, holding the moving grains' calls as long (docs/operations.md).
    /// </summary>
    public bool HandOffOnStop { get; set; }

    /// <summary>
    /// How many activations a stopping silo hands on at most (<see cref="HandOffOnStop"/>), the busiest first:
    /// calls to a moving activation wait until its move is done, and Orleans moves up to 1,000 at a time to each silo.
    /// </summary>
    public int HandOffLimit { get; set; } = 1000;

    /// <summary>
    /// How long a stopping silo waits for its hand-off (<see cref="HandOffOnStop"/>) before giving up the moves not yet
    /// done, which then deactivate in place: the longest the moving grains' calls are held.
    /// </summary>
    public TimeSpan HandOffTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><see cref="HandOffTimeout"/>, refused unless positive.</summary>
    public TimeSpan ValidHandOffTimeout => Positive(HandOffTimeout, nameof(HandOffTimeout));

    /// <summary>
    /// How long a silo trusts what it learned of where another silo's grain lives before asking the directory again
    /// (Orleans' <c>GrainDirectoryOptions.MaximumCacheTTL</c>). Expired entries leave the cache once per this period.
    /// </summary>
    public TimeSpan DirectoryCacheAge { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><see cref="DirectoryCacheAge"/>, refused unless positive (Orleans' own refusal names no setting).</summary>
    public TimeSpan ValidDirectoryCacheAge => Positive(DirectoryCacheAge, nameof(DirectoryCacheAge));

    public IPAddress ResolveAdvertisedAddress()
    {
        if (!string.Equals(AdvertisedAddress, "auto", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Parse(AdvertisedAddress);
        }

        return Dns.GetHostAddresses(Dns.GetHostName())
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? throw new InvalidOperationException("Orleans:AdvertisedAddress is 'auto' but this host has no non-loopback IPv4 address.");
    }

    /// <summary>A duration setting, refused by name unless positive (Orleans' own refusals name no setting).</summary>
    private static TimeSpan Positive(TimeSpan value, string setting) => value > TimeSpan.Zero
        ? value
        : throw new InvalidOperationException($"Orleans:{setting} is '{value}'; expected more than zero.");

    /// <summary>
    /// The member of <typeparamref name="T"/> <paramref name="value"/> names, whatever its case; the first (the default)
    /// when it names none; anything else, numbers too, stops the silo with the names it accepts.
    /// </summary>
    private static T Choice<T>(string? value, string setting) where T : struct, Enum
    {
        var accepted = Enum.GetNames<T>();
        return string.IsNullOrEmpty(value) ? default
            : accepted.FirstOrDefault(name => string.Equals(name, value, StringComparison.OrdinalIgnoreCase)) is { } name ? Enum.Parse<T>(name)
            : throw new InvalidOperationException($"Orleans:{setting} is '{value}'; expected {string.Join(", ", accepted[..^1])} or {accepted[^1]}.");
    }
}
