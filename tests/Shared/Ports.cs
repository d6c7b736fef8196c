using System.Net;
using System.Net.Sockets;

namespace OrderActors.Tests;

/// <summary>
/// Ports for the servers a test starts. The kernel's "any free port" comes from its ephemeral range, which every
/// outgoing connection (to PostgreSQL, Redis, the test's own servers) draws its local port from too: between a test
/// releasing such a port and its server binding it, a client socket can take it ("address already in use"). These come
/// from below that range, are checked free when handed out, and one process never hands out the same one twice.
/// </summary>
public static class Ports
{
    private const int First = 20_000; // Linux's default ephemeral range is 32768–60999
    private const int Count = 12_000;

    // Each test process starts somewhere else in the range, so concurrent test processes rarely meet.
    private static int next = Random.Shared.Next(Count);

    public static int Free()
    {
        for (var tried = 0; tried < Count; tried++)
        {
            var port = First + (int)((uint)Interlocked.Increment(ref next) % Count);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: try the next one
            }
        }

        throw new InvalidOperationException($"No free loopback port between {First} and {First + Count}.");
    }
}
