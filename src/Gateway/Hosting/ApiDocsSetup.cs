using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using OrderActors.Grains.Abstractions;
using Scalar.AspNetCore;

namespace OrderActors.Gateway.Hosting;

/// <summary>The OpenAPI document at /openapi/v1.json and its interactive reference (Scalar) at /docs.</summary>
public static class ApiDocsSetup
{
    public const string BearerScheme = "Bearer";

    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Products"] = "The catalog and its stock. Reads are public and served from the gateways' shared cache (`X-Cache`); writes are the admin's.",
        ["Carts"] = "One cart per customer, reached only by that customer (or an admin); checkout turns it into an order.",
        ["Orders"] = "An order's lifecycle: payment, shipping, delivery, cancellation.",
        ["Customers"] = "What belongs to one customer: their orders, newest first.",
        ["Events"] = "The event log for integrations (role `integration` or admin): every product and order change, in order.",
        ["Admin"] = "The cluster as Orleans sees it; admins only.",
    };

    public static IHostApplicationBuilder AddGatewayApiDocs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "OrderActors API";
                document.Info.Description =
                    "Products, carts and orders. Send `Authorization: Bearer <token>`; product reads are public. " +
                    "Every error is a ProblemDetails body.";
                // Clients join paths to the server URL: "http://host/" + "/api/..." would double the slash.
                foreach (var server in document.Servers ?? [])
                {
                    server.Url = server.Url?.TrimEnd('/');
                }

                document.Tags = TagDescriptions.Select(tag => new OpenApiTag { Name = tag.Key, Description = tag.Value }).ToHashSet();
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "A JWT whose `sub` is the customer id; role `admin` for catalog writes, shipping and /api/admin.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                // Every operation says who may call it; an empty list is an explicit "anyone" (the public catalog reads).
                operation.Security ??= [];
                if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
                {
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
                }

                // Declared nullable so the handler can answer its own 400 with the rule, but never optional.
                foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
                {
                    if (parameter is { In: ParameterLocation.Header } && parameter.Name == IdempotencyKeys.Header)
                    {
                        parameter.Required = true;
                        parameter.Description = $"{IdempotencyKeys.Rule}; repeat it unchanged to retry safely.";
                    }
                }

                return Task.CompletedTask;
            });
        });
        return builder;
    }

    public static WebApplication MapGatewayApiDocs(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference("/docs", options => options.WithTitle("OrderActors API"));
        return app;
    }
}
