using System.Collections.Immutable;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Events;

namespace OrderActors.Grains.Webhooks;

/// <summary>
/// One webhook subscription: a reader of the event log (<see cref="LogConsumerGrain{TState}"/>) that POSTs each event
/// of its types to its URL in log order. An event that fails is retried, on a schedule stored in the state, before
/// any later event is sent, so the receiver sees each entity's events in order; past the policy's limit it becomes a
/// dead letter and delivery goes on. Only a created subscription reads the log or keeps a reminder.
/// </summary>
/// <remarks>
/// <see cref="Get"/> and <see cref="DeadLetters"/> interleave with a delivery in flight: they only read the state,
/// and the turn they run in is single-threaded, so they see it between two awaits of the delivery, never half-changed.
/// </remarks>
[GrainType("webhook")]
public sealed class WebhookGrain : LogConsumerGrain<WebhookState>, IWebhookGrain
{
    /// <summary>A pass stops sending after this long, so that replays and deletes, which wait for it, are answered soon.</summary>
    private static readonly TimeSpan PassBudget = TimeSpan.FromSeconds(5);

    private readonly IEventLog log;
    private readonly WebhookSender sender;
    private readonly EventOptions events;
    private readonly WebhookOptions options;
    private readonly ILogger logger;

    // Not a primary constructor: the state and the log go to the base class too, and a primary constructor's
    // parameters cannot be both passed on and used here without being captured twice (CS9124).
    public WebhookGrain(
        [PersistentState("webhook", StorageNames.Orders)] IPersistentState<WebhookState> state,
        IEventLog log,
        WebhookSender sender,
        IOptions<EventOptions> events,
        IOptions<WebhookOptions> options,
        ILogger<WebhookGrain> logger) : base(state, log, events, logger)
    {
        this.log = log;
        this.sender = sender;
        this.events = events.Value;
        this.options = options.Value;
        this.logger = logger;
    }

    private string Id => this.GetPrimaryKeyString();

    private WebhookState Subscription => State.State;

    private IWebhookRegistryGrain Registry => GrainFactory.Reference<IWebhookRegistryGrain>(IWebhookRegistryGrain.Key);

    protected override string Consumer => $"webhook:{Id}";

    protected override IReadOnlyList<string> Types => Subscription.Types;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Subscription.Subscribed)
        {
            // Heals a create that failed after storing the subscription; not awaited, as the registry may be
            // waiting on this grain (listing it) right now.
            Registry.Add(Id).Ignore();
            await StartDelivering();
        }
    }

    public async Task<Result<WebhookCreated>> Create(string? url, IReadOnlyList<string>? types)
    {
        if (Subscription.Subscribed)
        {
            return Error.Conflict($"Webhook {Id} exists.");
        }

        var errors = Invalid(url, types ?? []);
        if (!errors.IsEmpty)
        {
            return Error.Invalid(errors);
        }

        Subscription.Subscribed = true;
        Subscription.Id = Id;
        Subscription.Url = url!;
        Subscription.Types = [.. (types ?? []).Distinct()];
        Subscription.Secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Subscription.CreatedAt = DateTimeOffset.UtcNow;
        // From the end of the log: every change made after this answer comes later in it.
        Subscription.Place = await log.Head(CancellationToken.None);
        await State.WriteStateAsync();
        await StartDelivering();
        await Registry.Add(Id);
        return new WebhookCreated(Id, Subscription.Url, Subscription.Types, Subscription.CreatedAt, Subscription.Secret);
    }

    /// <summary>Its place, and the events it may still send: the one failing, the replays and the dead letters.</summary>
    public override Task<LogHold?> Hold()
    {
        if (!Subscription.Subscribed)
        {
            return Task.FromResult<LogHold?>(null);
        }

        long[] kept = [.. Subscription.Replays.Select(r => r.Position), .. Subscription.DeadLetters.Select(d => d.Position),
            .. Subscription.Failing is { } failing ? [failing.Position] : Array.Empty<long>()];
        return Task.FromResult<LogHold?>(new LogHold(Subscription.Place, kept));
    }

    public async Task<Result<WebhookView>> Get()
    {
        if (!Subscription.Subscribed)
        {
            return Error.NotFound($"No webhook {Id}.");
        }

        // Read before the await: a delivery may change the state meanwhile.
        var subscription = Subscription;
        var failing = subscription.Replays.Where(r => r.Attempts > 0).Prepend(subscription.Failing).OfType<PendingDelivery>().ToList();
        var next = failing.MinBy(f => f.NextAttemptAt);
        var view = new WebhookView(subscription.Id, subscription.Url, subscription.Types, subscription.CreatedAt, subscription.Place.Position, 0,
            failing.Count, next?.NextAttemptAt, next?.LastError, subscription.DeadLetters.Count, subscription.Replays.Count);
        return view with { Lag = await log.CountAfter(subscription.Place, CancellationToken.None) };
    }

    public Task<Result<IReadOnlyList<DeadLetter>>> DeadLetters() =>
        Task.FromResult<Result<IReadOnlyList<DeadLetter>>>(Subscription.Subscribed
            ? Subscription.DeadLetters.ToList()
            : Error.NotFound($"No webhook {Id}."));

    public async Task<Result<WebhookReplay>> Replay(string? eventId)
    {
        if (!Subscription.Subscribed)
        {
            return Error.NotFound($"No webhook {Id}.");
        }

        var chosen = Subscription.DeadLetters.Where(d => eventId is null || d.EventId == eventId).ToList();
        if (eventId is not null && chosen.Count == 0)
        {
            return Error.NotFound($"Webhook {Id} has no dead letter {eventId}.");
        }

        var now = DateTimeOffset.UtcNow;
        Subscription.DeadLetters.RemoveAll(chosen.Contains);
        Subscription.Replays.AddRange(chosen.Select(d => new PendingDelivery
        {
            Position = d.Position, EventId = d.EventId, Since = now, NextAttemptAt = now, Seed = Random.Shared.Next(),
        }));
        await State.WriteStateAsync();
        Metrics.WebhookDeadLetters.Record(Subscription.DeadLetters.Count, Tag);
        return new WebhookReplay(chosen.Count);
    }

    public async Task<Result<Done>> Delete()
    {
        if (!Subscription.Subscribed)
        {
            return Error.NotFound($"No webhook {Id}.");
        }

        await State.ClearStateAsync();
        await Registry.Remove(Id);
        foreach (var reminder in await this.GetReminders())
        {
            await this.DropReminder(reminder);
        }

        // Ends this activation's timers; a later activation finds no subscription and starts none.
        DeactivateOnIdle();
        return Done.Instance;
    }

    /// <summary>
    /// Sends the events in log order and stops at the first that must wait for its retry: the log is not read past
    /// it, which is what keeps each entity's events in order.
    /// </summary>
    protected override async Task<int> Handle(IReadOnlyList<LoggedEvent> batch, CancellationToken cancellationToken)
    {
        var pass = Stopwatch.StartNew();
        for (var i = 0; i < batch.Count; i++)
        {
            if (!Subscription.Subscribed || (i > 0 && pass.Elapsed > PassBudget))
            {
                return i;
            }

            var logged = batch[i];
            var pending = Subscription.Failing?.Position == logged.Position ? Subscription.Failing : Fresh(logged, since: logged.OccurredAt);
            if (pending.NextAttemptAt > DateTimeOffset.UtcNow)
            {
                return i;
            }

            if (!await Attempt(logged, pending, cancellationToken))
            {
                // Stored now, so the schedule outlives this activation.
                Subscription.Failing = pending;
                await State.WriteStateAsync(cancellationToken);
                return i;
            }

            Subscription.Failing = null;
        }

        return batch.Count;
    }

    /// <summary>Sends the replayed dead letters that are due, oldest first, until one fails.</summary>
    private async Task Redeliver(CancellationToken cancellationToken)
    {
        try
        {
            var changed = false;
            foreach (var pending in Subscription.Replays.Where(r => r.NextAttemptAt <= DateTimeOffset.UtcNow).ToList())
            {
                var logged = await log.Find(pending.Position, cancellationToken);
                changed = true;
                if (logged is null)
                {
                    // Deleted by retention after a replay was delivered and the write that recorded it failed: this
                    // activation came back with the replay from the stored state, and it was sent once already.
                    WebhookLog.ReplayGone(logger, Id, pending.EventId, pending.Position);
                    Subscription.Replays.Remove(pending);
                    continue;
                }

                var finished = await Attempt(logged, pending, cancellationToken);
                if (!finished)
                {
                    break;
                }

                Subscription.Replays.Remove(pending);
            }

            if (changed)
            {
                await State.WriteStateAsync(cancellationToken);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            WebhookLog.ReplayStopped(logger, exception, Id);
        }
    }

    /// <summary>
    /// One attempt at <paramref name="logged"/>. True when the event is finished with — delivered, or past the
    /// policy's limit and now a dead letter; false when it waits for a retry at <see cref="PendingDelivery.NextAttemptAt"/>.
    /// </summary>
    private async Task<bool> Attempt(LoggedEvent logged, PendingDelivery pending, CancellationToken cancellationToken)
    {
        pending.Attempts++;
        var result = await sender.Send(Subscription.Url, Subscription.Secret, logged, cancellationToken);
        if (result.Success)
        {
            Count("delivered");
            return true;
        }

        pending.LastError = result.Error;
        var now = DateTimeOffset.UtcNow;
        if (pending.Attempts >= options.MaxAttempts || now - pending.Since >= options.MaxAge)
        {
            DeadLetter(logged, pending, now);
            return true;
        }

        Count("failed");
        pending.NextAttemptAt = now + options.RetryDelay(pending.Attempts, pending.Seed);
        return false;
    }

    private void DeadLetter(LoggedEvent logged, PendingDelivery pending, DateTimeOffset now)
    {
        Subscription.DeadLetters.Add(new DeadLetter(pending.EventId, logged.Position, logged.Type, logged.EntityType, logged.EntityId,
            logged.Sequence, logged.OccurredAt, pending.Attempts, pending.LastError, now));
        var excess = Subscription.DeadLetters.Count - options.MaxDeadLetters;
        if (excess > 0)
        {
            Subscription.DeadLetters.RemoveRange(0, excess);
            Subscription.DeadLettersDropped += excess;
            WebhookLog.DeadLettersDropped(logger, Id, excess, options.MaxDeadLetters);
        }

        Count("dead_lettered");
        Metrics.WebhookDeadLetters.Record(Subscription.DeadLetters.Count, Tag);
        WebhookLog.DeadLettered(logger, Id, pending.EventId, logged.Type, logged.Position, pending.Attempts, pending.LastError);
    }

    private static PendingDelivery Fresh(LoggedEvent logged, DateTimeOffset since) => new()
    {
        Position = logged.Position,
        EventId = WebhookSender.EventId(logged),
        Since = since,
        NextAttemptAt = DateTimeOffset.MinValue,
        Seed = Random.Shared.Next(),
    };

    /// <summary>The log reader's timer and reminder (the base class's activation), and the timer of replays.</summary>
    private async Task StartDelivering()
    {
        await base.OnActivateAsync(CancellationToken.None);
        this.RegisterGrainTimer(Redeliver, new GrainTimerCreationOptions(events.PollInterval, events.PollInterval) { KeepAlive = true });
    }

    private KeyValuePair<string, object?> Tag => new("subscription", Id);

    private void Count(string outcome) =>
        Metrics.WebhookDeliveries.Add(1, Tag, new KeyValuePair<string, object?>("outcome", outcome));

    private static ImmutableDictionary<string, string[]> Invalid(string? url, IReadOnlyList<string> types)
    {
        var errors = ImmutableDictionary<string, string[]>.Empty;
        if (url is null || url.Length > IWebhookGrain.MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri) ||
            (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors = errors.Add("url", [$"must be an absolute http or https URL of at most {IWebhookGrain.MaxUrlLength} characters"]);
        }

        var unknown = types.Where(t => !EventTypes.All.Contains(t)).ToList();
        if (types.Count > IWebhookGrain.MaxTypes || unknown.Count > 0)
        {
            errors = errors.Add("types", [$"at most {IWebhookGrain.MaxTypes} of {string.Join(", ", EventTypes.All.Order())}, or none for all" +
                (unknown.Count > 0 ? $"; unknown: {string.Join(", ", unknown.Take(5))}" : "")]);
        }

        return errors;
    }
}
