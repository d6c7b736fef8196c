using OrderActors.Grains.Products;

namespace OrderActors.Grains.Tests;

public sealed class OpenReservationsTests
{
    [Fact]
    public void Numbers_opened_in_a_row_are_one_run_and_each_closes_once()
    {
        var open = new OpenReservations();
        foreach (var number in Enumerable.Range(1, 5))
        {
            open.Open(number);
        }

        Assert.Equal([1L, 6L], open.Bounds);
        Assert.True(open.Close(3));
        Assert.False(open.Close(3));
        Assert.Equal([1L, 3L, 4L, 6L], open.Bounds);
        Assert.Equal([true, true, false, true, true], Enumerable.Range(1, 5).Select(n => open.IsOpen(n)));
    }

    [Fact]
    public void Closing_a_runs_ends_shrinks_it_and_closing_its_last_number_removes_it()
    {
        var open = new OpenReservations();
        foreach (var number in new long[] { 1, 2, 3, 7 })
        {
            open.Open(number);
        }

        Assert.True(open.Close(1));
        Assert.True(open.Close(3));
        Assert.True(open.Close(7));

        Assert.Equal([2L, 3L], open.Bounds);
        Assert.False(open.IsOpen(0) || open.IsOpen(1) || open.IsOpen(3) || open.IsOpen(7) || open.IsOpen(8));
        Assert.False(open.Close(9));
    }

    [Fact]
    public void Reservations_that_end_in_the_order_they_began_leave_a_single_run()
    {
        var open = new OpenReservations();
        foreach (var number in Enumerable.Range(1, 10_000))
        {
            open.Open(number);
            if (number > 20)
            {
                Assert.True(open.Close(number - 20));
            }
        }

        Assert.Equal([9_981L, 10_001L], open.Bounds);
    }

    [Fact]
    public void A_number_below_the_last_one_given_is_refused()
    {
        var open = new OpenReservations();
        open.Open(5);

        Assert.Throws<ArgumentOutOfRangeException>(() => open.Open(4));
    }
}
