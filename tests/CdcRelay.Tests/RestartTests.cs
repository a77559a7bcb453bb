using AspireShop.TestKit;
using Xunit.Abstractions;

namespace AspireShop.CdcRelay.Tests;

/// <summary>Stopping and starting the relay loses nothing and does not replay what Kafka had already confirmed.</summary>
public sealed class RestartTests(InfrastructureFixture infrastructure, ITestOutputHelper output) : IClassFixture<InfrastructureFixture>
{
    [Fact]
    public async Task RestartResumesAfterTheLastAcknowledgedTransaction()
    {
        await using var bed = await CdcTestBed.CreateAsync(infrastructure, CdcTestBed.OutboxDdl);
        var aggregate = CdcTestBed.UniqueName("order");
        using var topic = bed.Collect($"outbox.event.{aggregate}");
        var source = bed.Source();
        var first = await bed.StartRelayAsync(source);

        var before = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();
        ulong lsnBeforeLast = 0;
        foreach (var id in before)
        {
            lsnBeforeLast = (ulong)await bed.ScalarAsync<long>("SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint");
            await OutboxTests.InsertAsync(bed, id, aggregate, "a", "{}", null);
        }

        await Poll.UntilAsync(() => Task.FromResult(topic.Messages), m => m.Count >= before.Length, TimeSpan.FromSeconds(20), _ => topic.Describe());
        await first.StopAsync();
        // A graceful stop acknowledges what Kafka confirmed, so the slot has moved past the last transaction.
        await Poll.UntilAsync(() => bed.ConfirmedFlushAsync(source.SlotName), lsn => lsn > lsnBeforeLast, TimeSpan.FromSeconds(5),
            lsn => $"confirmed_flush_lsn {lsn} not past {lsnBeforeLast}");

        var whileStopped = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var id in whileStopped)
        {
            await OutboxTests.InsertAsync(bed, id, aggregate, "b", "{}", null);
        }

        await bed.StartRelayAsync(source);
        var all = before.Concat(whileStopped).Select(id => id.ToString()).ToHashSet();
        var messages = await Poll.UntilAsync(() => Task.FromResult(topic.Messages), m => all.IsSubsetOf(m.Select(x => x.Headers["id"])), TimeSpan.FromSeconds(20),
            m => $"{all.Except(m.Select(x => x.Headers["id"])).Count()} of {all.Count} events missing; {topic.Describe()}");

        var counts = messages.GroupBy(m => m.Headers["id"]).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"{messages.Count} messages for {all.Count} events");
        Assert.All(before, id => Assert.Equal(1, counts[id.ToString()]));
        Assert.All(whileStopped, id => Assert.Equal(1, counts[id.ToString()]));
    }
}
