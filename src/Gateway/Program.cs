using OrderActors.Gateway.Endpoints;
using OrderActors.Gateway.Hosting;

if (DevToken.IsCommand(args))
{
    return DevToken.Run(args);
}

// Content root = the binaries, so appsettings.json is found wherever the process is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddOrderActorsGateway();

var app = builder.Build();
app.UseOrderActorsGateway();
app.MapProductEndpoints();
app.MapCartEndpoints();
app.MapOrderEndpoints();
app.MapPaymentEndpoints();
app.MapCustomerEndpoints();
app.MapEventEndpoints();
app.MapAdminEndpoints();
app.MapWebhookEndpoints();
app.Run();
return 0;

/// <summary>The gateway process; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
