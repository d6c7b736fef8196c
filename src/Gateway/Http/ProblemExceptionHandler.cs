using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;

namespace OrderActors.Gateway.Http;

/// <summary>
/// Turns exceptions into ProblemDetails: unreadable requests into 400 with the reason, an unreachable cluster or
/// storage into 503 with Retry-After; anything else stays a 500 without internals.
/// </summary>
public sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "The request could not be read.", ReadableReason(bad)),
            _ when ClusterFailures.IsUnavailable(exception) =>
                (StatusCodes.Status503ServiceUnavailable, "The service is temporarily unavailable.", ClusterFailures.Reason(exception)),
            _ => (StatusCodes.Status500InternalServerError, "An unexpected error occurred.", null),
        };

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            logger.LogWarning(exception, "Cluster unavailable for {Method} {Path}", context.Request.Method, context.Request.Path);
            context.Response.Headers.RetryAfter = "1";
        }
        else if (status == StatusCodes.Status500InternalServerError)
        {
            // A bug: the one place it is logged with its exception (ASP.NET Core does not log what a handler handled).
            logger.LogError(exception, "Unexpected failure of {Method} {Path}", context.Request.Method, context.Request.Path);
        }

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new()
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    private static string ReadableReason(BadHttpRequestException exception) => exception.InnerException switch
    {
        JsonException { Path: { } path } json when UnknownField().Match(json.Message) is { Success: true } unknown =>
            $"Unknown field '{unknown.Groups["name"].Value}' at {path}: the API accepts only the fields its document lists (/openapi/v1.json).",
        JsonException json => $"Malformed JSON: {json.Message}",
        _ => exception.Message,
    };

    /// <summary>System.Text.Json's message for a member the type does not have (UnmappedMemberHandling.Disallow).</summary>
    [GeneratedRegex("^The JSON property '(?<name>.*)' could not be mapped", RegexOptions.CultureInvariant)]
    private static partial Regex UnknownField();
}
