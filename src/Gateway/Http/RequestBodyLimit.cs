using Microsoft.AspNetCore.Http.Features;

namespace OrderActors.Gateway.Http;

/// <summary>
/// Refuses request bodies above <c>Limits:MaxRequestBodyBytes</c> with a 413 ProblemDetails: at once when the declared
/// length is too large, and while reading (through the server's limit) when the body is sent in chunks.
/// </summary>
public sealed class RequestBodyLimit(RequestDelegate next, IConfiguration configuration, IProblemDetailsService problems)
{
    private readonly long maxBytes = configuration.GetValue("Limits:MaxRequestBodyBytes", 64L * 1024);

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength > maxBytes)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await problems.WriteAsync(new()
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status413PayloadTooLarge,
                    Title = "The request body is too large.",
                    Detail = $"Request bodies are limited to {maxBytes} bytes.",
                },
            });
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        await next(context);
    }
}
