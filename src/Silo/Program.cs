using OrderActors.Silo.Hosting;
using OrderActors.Silo.Verification;

if (args is ["verify", ..])
{
    return await VerifyCommand.RunAsync(args);
}

// Content root = the binaries, so appsettings.json is found wherever the process is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddOrderActorsSilo();

var app = builder.Build();
app.MapOrderActorsSilo();
await app.RunAsync();
return 0;
