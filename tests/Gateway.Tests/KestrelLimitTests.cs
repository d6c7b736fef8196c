using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace OrderActors.Gateway.Tests;

/// <summary>Kestrel's limits from configuration, seen from raw sockets against a real listener.</summary>
[Collection(GatewayCollection.Name)]
public sealed class KestrelLimitTests(GatewayFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(25);

    /// <summary>
    /// The configured timeout applies; without the binding Kestrel would wait its own 30 s. Kestrel postpones timeouts
    /// when its heartbeat runs late (a starved CI box), so the limit here is short and the patience long.
    /// </summary>
    [Fact]
    public async Task A_client_that_sends_its_headers_too_slowly_is_cut_off()
    {
        await using var gateway = KestrelGateway.Start(fixture, new Dictionary<string, string> { ["Kestrel:Limits:RequestHeadersTimeout"] = "00:00:02" });
        using var socket = await Connect(gateway);

        await Send(socket, "GET /api/products HTTP/1.1\r\nHost: gateway\r\n"); // and never the blank line that ends the headers

        var answer = await ReadUntilClosed(socket);
        Assert.StartsWith("HTTP/1.1 408", answer);
    }

    [Fact]
    public void The_shipped_defaults_are_the_ones_appsettings_json_gives()
    {
        var limits = fixture.Gateway.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;

        Assert.Equal(
            (TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(130), 10_000L, 32_768, 8_192),
            (limits.RequestHeadersTimeout, limits.KeepAliveTimeout, limits.MaxConcurrentConnections ?? 0, limits.MaxRequestHeadersTotalSize, limits.MaxRequestLineSize));
    }

    [Fact]
    public async Task An_idle_keep_alive_connection_is_closed_after_the_configured_timeout()
    {
        await using var gateway = KestrelGateway.Start(fixture, new Dictionary<string, string> { ["Kestrel:Limits:KeepAliveTimeout"] = "00:00:02" });
        using var socket = await Connect(gateway);

        await Send(socket, "GET /health/live HTTP/1.1\r\nHost: gateway\r\n\r\n");

        var answer = await ReadUntilClosed(socket);
        Assert.StartsWith("HTTP/1.1 200", answer);
    }

    [Fact]
    public async Task Headers_over_the_configured_size_get_431()
    {
        await using var gateway = KestrelGateway.Start(fixture, new Dictionary<string, string> { ["Kestrel:Limits:MaxRequestHeadersTotalSize"] = "4096" });
        using var client = gateway.Client();
        using var small = new HttpRequestMessage(HttpMethod.Get, "/health/live") { Headers = { { "X-Padding", new string('p', 2000) } } };
        using var large = new HttpRequestMessage(HttpMethod.Get, "/health/live") { Headers = { { "X-Padding", new string('p', 6000) } } };

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(small)).StatusCode);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, (await client.SendAsync(large)).StatusCode);
    }

    [Fact]
    public async Task Connections_over_the_configured_maximum_are_closed_unanswered()
    {
        await using var gateway = KestrelGateway.Start(fixture, new Dictionary<string, string> { ["Kestrel:Limits:MaxConcurrentConnections"] = "2" });
        using var first = await Connect(gateway);
        using var second = await Connect(gateway);
        foreach (var open in new[] { first, second })
        {
            await Send(open, "GET /health/live HTTP/1.1\r\nHost: gateway\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 200", await ReadResponse(open));
        }

        using (var third = await Connect(gateway))
        {
            await SendIgnoringReset(third, "GET /health/live HTTP/1.1\r\nHost: gateway\r\n\r\n");
            Assert.Equal("", await ReadUntilClosed(third));
        }

        first.Close();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var next = await Connect(gateway);
            await SendIgnoringReset(next, "GET /health/live HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n");
            if ((await ReadUntilClosed(next)).StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
            {
                break; // a freed place is taken again
            }

            Assert.True(waited.Elapsed < Patience, "no connection was served after one closed");
            await Task.Delay(50);
        }
    }

    /// <summary>What the README says of requests Kestrel refuses itself: a bare status, no ProblemDetails body.</summary>
    [Theory]
    [InlineData("GET /api/products/a%00b HTTP/1.1", "400 Bad Request")] // a NUL in the path, encoded
    [InlineData("GET /api/products/a\0b HTTP/1.1", "400 Bad Request")] // or raw
    [InlineData("GET /api/products/{long} HTTP/1.1", "414 URI Too Long")] // a request line over 8 KiB
    public async Task Requests_kestrel_refuses_before_the_gateway_sees_them_get_a_bare_status(string requestLine, string status)
    {
        await using var gateway = KestrelGateway.Start(fixture, new Dictionary<string, string>());
        using var socket = await Connect(gateway);

        await Send(socket, requestLine.Replace("{long}", new string('a', 9000)) + "\r\nHost: gateway\r\n\r\n");

        var answer = await ReadUntilClosed(socket);
        Assert.StartsWith($"HTTP/1.1 {status}\r\n", answer);
        Assert.Contains("Content-Length: 0\r\n", answer);
        Assert.DoesNotContain("X-Request-ID", answer);
    }

    private static async Task<Socket> Connect(KestrelGateway gateway)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, gateway.Address.Port);
        return socket;
    }

    private static Task Send(Socket socket, string text) => socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None);

    private static async Task SendIgnoringReset(Socket socket, string text)
    {
        try
        {
            await Send(socket, text);
        }
        catch (SocketException)
        {
            // already closed by the server: what the caller is about to check
        }
    }

    /// <summary>One response's status line and headers.</summary>
    private static async Task<string> ReadResponse(Socket socket)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Patience);
            Assert.True(read > 0, $"closed after {received}");
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return received.ToString();
    }

    /// <summary>Everything the server sends until it closes the connection, which it must do within <see cref="Patience"/>.</summary>
    private static async Task<string> ReadUntilClosed(Socket socket)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Patience)) > 0)
            {
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (SocketException)
        {
            // reset rather than closed: closed all the same
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the connection was still open after {Patience.TotalSeconds} s, having sent: {received}");
        }

        return received.ToString();
    }
}
