using System.Buffers;
using OrderActors.Grains.Abstractions;
using Serilog.Context;

namespace OrderActors.Gateway.Http;

/// <summary>
/// Takes the caller's <c>X-Request-ID</c> (or makes one), returns it on the response, puts it on every log line of the
/// request (a property of Serilog's log context, see SerilogSetup) and hands it to every grain call through Orleans'
/// RequestContext, so silos log it too.
/// </summary>
public sealed class RequestIdMiddleware(RequestDelegate next)
{
    public const string Header = "X-Request-ID";

    private const int MaxLength = 128;

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-");

    public async Task InvokeAsync(HttpContext context)
    {
        var requestId = Accept(context.Request.Headers[Header].ToString()) ?? NewId();
        context.TraceIdentifier = requestId;
        // OnStarting, because the exception handler clears headers set earlier.
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[Header] = requestId;
            return Task.CompletedTask;
        });
        RequestContext.Set(RequestIds.Key, requestId);
        using (LogContext.PushProperty(RequestIds.LogProperty, requestId))
        {
            await next(context);
        }
    }

    /// <summary>
    /// 32 hex digits, unique but not secret: from a fast generator rather than <see cref="Guid.NewGuid"/>, which costs
    /// a system call (a read of /dev/urandom) per request on Linux.
    /// </summary>
    private static string NewId()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>A caller's id is kept only if it is short and plain: it goes into every log line.</summary>
    private static string? Accept(string value) =>
        value.Length is > 0 and <= MaxLength && !value.AsSpan().ContainsAnyExcept(Allowed) ? value : null;
}
