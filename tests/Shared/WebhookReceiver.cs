using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace OrderActors.Tests;

/// <summary>
/// A real webhook receiver for tests: Kestrel on 127.0.0.1 at a free port. It checks every request's Standard Webhooks
/// signature with <see cref="Secret"/> (the library a real receiver would use), records every request it gets, and
/// answers as it is told: 200 by default, or a scripted status, possibly after a hang (longer than the sender's
/// timeout, the sender sees no answer at all). A request with no valid signature is answered 401.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedWebhook> received = new();
    private readonly ConcurrentQueue<Reply> script = new();
    private readonly WebApplication app;
    private Reply always = new(HttpStatusCode.OK, TimeSpan.Zero);

    private WebhookReceiver()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
        app = builder.Build();
        app.Run(Receive);
    }

    /// <summary>Where to subscribe: <c>http://127.0.0.1:{port}/hooks</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>The subscription's signing secret, as its create answer gave it; set it before events flow.</summary>
    public string? Secret { get; set; }

    /// <summary>Every request received so far, in arrival order, whatever it was answered.</summary>
    public IReadOnlyList<ReceivedWebhook> Received => received.ToArray();

    /// <summary>The requests answered 2xx in time: what the sender counts as delivered.</summary>
    public IReadOnlyList<ReceivedWebhook> Delivered => Received.Where(r => r.Accepted).ToList();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        await receiver.app.StartAsync();
        receiver.Url = receiver.app.Urls.Single().TrimEnd('/') + "/hooks";
        return receiver;
    }

    /// <summary>From now on, every request not scripted by <see cref="AnswerNext"/> gets <paramref name="status"/> after <paramref name="delay"/>.</summary>
    public void AnswerAll(HttpStatusCode status, TimeSpan delay = default) => always = new Reply(status, delay);

    /// <summary>The next <paramref name="count"/> requests (after any already scripted) get <paramref name="status"/> after <paramref name="delay"/>.</summary>
    public void AnswerNext(int count, HttpStatusCode status, TimeSpan delay = default)
    {
        for (var i = 0; i < count; i++)
        {
            script.Enqueue(new Reply(status, delay));
        }
    }

    /// <summary>Waits until <paramref name="done"/> holds for what was received, and returns that.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitFor(Func<IReadOnlyList<ReceivedWebhook>, bool> done, TimeSpan timeout)
    {
        var now = await Poll.Until(() => Task.FromResult(Received), done, timeout);
        return done(now) ? now : throw new TimeoutException($"The receiver got {now.Count} request(s) in {timeout}, not what was awaited: " +
                                                            string.Join(", ", now.Select(r => $"{r.Id} {r.Status}")));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task Receive(HttpContext context)
    {
        var at = DateTimeOffset.UtcNow;
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
        var signed = Verify(body, context.Request.Headers);
        var reply = script.TryDequeue(out var next) ? next : always;
        var status = signed ? reply.Status : HttpStatusCode.Unauthorized;
        var accepted = (int)status is >= 200 and < 300;
        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The sender gave up waiting: to it, this attempt failed.
                accepted = false;
            }
        }

        received.Enqueue(new ReceivedWebhook(context.Request.Headers["webhook-id"].ToString(), at, JsonNode.Parse(body)!, signed, status, accepted));
        context.Response.StatusCode = (int)status;
    }

    private bool Verify(string body, IHeaderDictionary headers)
    {
        if (Secret is not { } secret)
        {
            return false;
        }

        try
        {
            new StandardWebhook(secret).Verify(body, headers);
            return true;
        }
        catch (WebhookVerificationException)
        {
            return false;
        }
    }

    private sealed record Reply(HttpStatusCode Status, TimeSpan Delay);
}

/// <summary>
/// One request the receiver got: its <c>webhook-id</c>, when it arrived, the envelope, whether the signature verified,
/// the status answered, and whether the sender got that answer as a success (2xx, before it gave up waiting).
/// </summary>
public sealed record ReceivedWebhook(string Id, DateTimeOffset At, JsonNode Body, bool SignatureValid, HttpStatusCode Status, bool Accepted)
{
    public string Type => (string)Body["type"]!;

    public JsonNode Data => Body["data"]!;

    public string EntityId => (string)Data["entityId"]!;

    public long Sequence => (long)Data["sequence"]!;
}
