using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Gateway.Hosting;
using OrderActors.Gateway.Http;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Gateway.Endpoints;

/// <summary>/api/admin/webhooks: subscriptions and their dead letters, each route one call on <see cref="IWebhookGrain"/> (listing: <see cref="IWebhookRegistryGrain"/>).</summary>
public static class WebhookEndpoints
{
    public sealed record CreateWebhookRequest(string? Url, IReadOnlyList<string>? Types);

    public sealed record ReplayRequest(string? EventId);

    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var webhooks = app.MapResource("/api/admin/webhooks", "Webhooks").RequirePolicy(Policies.Admin);

        webhooks.MapPost("/", Create).WithName("CreateWebhook")
            .WithSummary("Subscribe a URL to event types (none: all); the answer holds the signing secret, shown only here").Refuses(400, 413);
        webhooks.MapGet("/", List).WithName("ListWebhooks").WithSummary("Every subscription and how its delivery stands, without secrets");
        webhooks.MapGet("/{id}", Get).WithName("GetWebhook").WithSummary("A subscription and how its delivery stands").Refuses(400, 404);
        webhooks.MapDelete("/{id}", Delete).WithName("DeleteWebhook").WithSummary("End a subscription: nothing more is delivered").Refuses(400, 404);
        webhooks.MapGet("/{id}/dead-letters", DeadLetters).WithName("ListDeadLetters")
            .WithSummary("The events delivery gave up on, oldest first").Refuses(400, 404);
        webhooks.MapPost("/{id}/dead-letters/replay", Replay).WithName("ReplayDeadLetters")
            .WithSummary("Deliver dead letters again: all, or the one whose eventId is given").Refuses(400, 404, 413);
        return app;
    }

    private static async Task<Results<Created<WebhookCreated>, ProblemHttpResult>> Create(CreateWebhookRequest request, IGrainFactory grains) =>
        (await grains.Reference<IWebhookGrain>($"wh_{Guid.NewGuid():N}").Create(request.Url, request.Types))
        .ToCreated(webhook => $"/api/admin/webhooks/{webhook.Id}");

    private static async Task<Ok<IReadOnlyList<WebhookView>>> List(IGrainFactory grains) =>
        TypedResults.Ok(await grains.Reference<IWebhookRegistryGrain>(IWebhookRegistryGrain.Key).List());

    private static async Task<Results<Ok<WebhookView>, ProblemHttpResult>> Get(string id, IGrainFactory grains) =>
        (await grains.Reference<IWebhookGrain>(id).Get()).ToOk();

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, IGrainFactory grains) =>
        (await grains.Reference<IWebhookGrain>(id).Delete()).ToNoContent();

    private static async Task<Results<Ok<IReadOnlyList<DeadLetter>>, ProblemHttpResult>> DeadLetters(string id, IGrainFactory grains) =>
        (await grains.Reference<IWebhookGrain>(id).DeadLetters()).ToOk();

    private static async Task<Results<Accepted<WebhookReplay>, ProblemHttpResult>> Replay(string id, ReplayRequest? request, IGrainFactory grains) =>
        (await grains.Reference<IWebhookGrain>(id).Replay(request?.EventId)).ToAccepted();
}
