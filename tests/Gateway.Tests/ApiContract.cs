using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace OrderActors.Gateway.Tests;

/// <summary>
/// The statuses /openapi/v1.json declares for each route. Every gateway the tests host checks each /api response
/// against it (<see cref="ApiContractCheck"/>), so every API test is also a test of the document.
/// </summary>
public sealed class ApiContract
{
    private readonly Dictionary<(string Method, string Path), HashSet<string>> declared = [];

    public List<string> Violations { get; } = [];

    public bool IsLoaded => declared.Count > 0;

    public void Load(JsonNode document)
    {
        foreach (var (path, operations) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in operations!.AsObject())
            {
                declared[(method.ToUpperInvariant(), path)] = operation!["responses"]!.AsObject().Select(r => r.Key).ToHashSet();
            }
        }
    }

    /// <summary>Null when the route declares <paramref name="status"/>; otherwise why not.</summary>
    public string? Check(string method, string routePattern, int status)
    {
        var path = "/" + routePattern.Trim('/');
        if (!declared.TryGetValue((method, path), out var statuses))
        {
            return $"{method} {path} answered {status} but the OpenAPI document has no such operation";
        }

        return statuses.Contains(status.ToString()) ? null
            : $"{method} {path} answered {status}, which its OpenAPI document does not declare ({string.Join(", ", statuses.Order())})";
    }
}

/// <summary>
/// Outermost middleware of the gateway under test: holds back each /api response until its status is known, and
/// turns one the document does not declare into a 500 that says so (the test that caused it fails on it).
/// </summary>
public sealed class ApiContractCheck(ApiContract contract) : IStartupFilter
{
    public const string Header = "X-Contract-Violation";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            if (!contract.IsLoaded || !context.Request.Path.StartsWithSegments("/api"))
            {
                await nextMiddleware(context);
                return;
            }

            var original = context.Features.Get<IHttpResponseBodyFeature>()!;
            using var buffer = new MemoryStream();
            context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(buffer));
            try
            {
                await nextMiddleware(context);
            }
            finally
            {
                context.Features.Set(original);
            }

            // A plain-HTTP request redirected to HTTPS is the transport's answer, not the route's (like Kestrel's own refusals).
            var toHttps = !context.Request.IsHttps && context.Response.StatusCode is StatusCodes.Status307TemporaryRedirect or StatusCodes.Status308PermanentRedirect;
            var violation = context.GetEndpoint() is RouteEndpoint endpoint && !toHttps
                ? contract.Check(context.Request.Method, endpoint.RoutePattern.RawText ?? "", context.Response.StatusCode)
                : null;
            if (violation is not null)
            {
                lock (contract.Violations)
                {
                    contract.Violations.Add(violation);
                }

                context.Response.Clear();
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                context.Response.Headers[Header] = violation;
                await context.Response.WriteAsJsonAsync(new { status = 500, title = "Undeclared status", detail = violation });
                return;
            }

            buffer.Position = 0;
            await buffer.CopyToAsync(original.Stream);
        });
        next(app);
    };
}
