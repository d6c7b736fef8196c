using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace OrderActors.Hosts.Tests;

/// <summary>
/// A TCP relay that adds latency (this kernel has no netem qdisc): it accepts on <see cref="Endpoint"/>, connects each
/// client to <c>target</c>, and hands every chunk read in either direction on only <see cref="OneWayDelay"/> after it
/// was read, in order and without limiting throughput, as a longer wire would. A round trip through it takes twice
/// <see cref="OneWayDelay"/> longer.
/// </summary>
public sealed class DelayingRelay : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly IPEndPoint target;
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> connections = [];
    private readonly Task accepting;

    public DelayingRelay(IPAddress address, IPEndPoint target)
    {
        this.target = target;
        listener = new TcpListener(address, 0);
        listener.Start();
        accepting = AcceptAsync();
    }

    public IPEndPoint Endpoint => (IPEndPoint)listener.LocalEndpoint;

    /// <summary>Applies to chunks read from now on; chunks already in flight keep the delay they were read with.</summary>
    public TimeSpan OneWayDelay { get; set; }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        await accepting;
        Task[] open;
        lock (connections)
        {
            open = [.. connections];
        }

        await Task.WhenAll(open);
        stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (connections)
            {
                connections.RemoveAll(c => c.IsCompleted);
                connections.Add(RelayAsync(client));
            }
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(target, stopping.Token);
                client.NoDelay = server.NoDelay = true;
                using var closed = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
                // Whichever side closes or fails first ends both directions.
                await Task.WhenAny(Pump(client.GetStream(), server.GetStream(), closed.Token), Pump(server.GetStream(), client.GetStream(), closed.Token));
                await closed.CancelAsync();
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or IOException)
            {
                // The relay is stopping, or the target is unreachable: the client sees its connection close.
            }
        }
    }

    private async Task Pump(Stream from, Stream to, CancellationToken cancellation)
    {
        var chunks = Channel.CreateUnbounded<(long ReadAt, TimeSpan Delay, byte[] Bytes)>(new() { SingleReader = true, SingleWriter = true });
        var writing = Task.Run(async () =>
        {
            await foreach (var (readAt, delay, bytes) in chunks.Reader.ReadAllAsync(cancellation))
            {
                var wait = delay - Stopwatch.GetElapsedTime(readAt);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellation);
                }

                await to.WriteAsync(bytes, cancellation);
            }
        }, cancellation);

        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, cancellation)) > 0)
            {
                chunks.Writer.TryWrite((Stopwatch.GetTimestamp(), OneWayDelay, buffer[..read]));
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException)
        {
            // Closed on either side.
        }

        chunks.Writer.TryComplete();
        try
        {
            await writing;
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException)
        {
            // The other side is gone; nothing more to hand on.
        }
    }
}
