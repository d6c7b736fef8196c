using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OrderActors.Gateway.Hosting;

/// <summary>
/// Mints development tokens signed with <c>Auth:SigningKey</c>:
/// <c>dotnet run --project src/Gateway -- token --sub alice [--role admin] [--hours 8]</c>.
/// </summary>
public static class DevToken
{
    public static bool IsCommand(string[] args) => args is ["token", ..];

    public static string Mint(AuthSettings settings, string subject, IEnumerable<string> roles, TimeSpan lifetime)
    {
        var claims = new List<Claim> { new(Policies.SubjectClaim, subject) };
        claims.AddRange(roles.Select(role => new Claim(settings.RoleClaim, role)));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            Subject = new ClaimsIdentity(claims),
            Expires = DateTime.UtcNow + lifetime,
            SigningCredentials = new SigningCredentials(settings.SymmetricKey(), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>Prints a token to stdout; reads configuration as the gateway does, in Development unless told otherwise.</summary>
    public static int Run(string[] args)
    {
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
            ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")
            ?? Environments.Development;
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddEnvironmentVariables()
            .Build();

        string? subject = null;
        var roles = new List<string>();
        var hours = 8.0;
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--sub": subject = args[i + 1]; break;
                case "--role": roles.Add(args[i + 1]); break;
                case "--hours": hours = double.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                default: return Usage($"unknown option {args[i]}");
            }
        }

        if (subject is null || args.Length % 2 == 0)
        {
            return Usage("--sub is required and every option takes a value");
        }

        Console.WriteLine(Mint(AuthSettings.From(configuration), subject, roles, TimeSpan.FromHours(hours)));
        return 0;
    }

    private static int Usage(string problem)
    {
        Console.Error.WriteLine($"token: {problem}\nusage: token --sub <customer-id> [--role admin] [--hours 8]");
        return 2;
    }
}
