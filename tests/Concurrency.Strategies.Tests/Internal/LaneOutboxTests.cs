using Concurrency.Strategies.Internal;

namespace Concurrency.Strategies.Tests.Internal;

public sealed class LaneOutboxTests
{
    [Fact]
    public void A_small_ring_grows_and_keeps_every_outcome_in_order()
    {
        var outbox = new LaneOutbox<int>(null, capacity: 4);
        var taken = new List<int>();
        for (var i = 0; i < 1_000; i++)
        {
            outbox.Add(i);
        }

        outbox.DrainInto(taken);
        for (var i = 1_000; i < 5_000; i++)
        {
            outbox.Add(i);
            if (i % 7 == 0)
            {
                outbox.DrainInto(taken);
            }
        }

        outbox.DrainInto(taken);

        taken.Should().Equal(Enumerable.Range(0, 5_000));
        outbox.HasItems.Should().BeFalse();
    }

    [Fact]
    public async Task One_producer_and_one_consumer_at_once_lose_and_reorder_nothing()
    {
        var outbox = new LaneOutbox<int>(null, capacity: 4);
        const int count = 200_000;
        var producer = Task.Run(() =>
        {
            for (var i = 0; i < count; i++)
            {
                outbox.Add(i);
            }
        });
        var taken = new List<int>(count);
        while (!producer.IsCompleted || outbox.HasItems)
        {
            outbox.DrainInto(taken);
        }

        await producer;
        outbox.DrainInto(taken);

        taken.Should().Equal(Enumerable.Range(0, count));
    }
}
