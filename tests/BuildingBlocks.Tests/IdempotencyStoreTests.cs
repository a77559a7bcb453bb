using System.Text;
using AspireShop.BuildingBlocks.Idempotency;
using AspireShop.TestKit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace AspireShop.BuildingBlocks.Tests;

/// <summary>The IdempotencyStore on real Postgres: replay, mismatch, in flight, scope and 24 h expiry on a fake clock.</summary>
public sealed class IdempotencyStoreTests(InfrastructureFixture infrastructure) : IClassFixture<InfrastructureFixture>
{
    private static readonly StoredResponse Accepted = new(202, "/api/orders/1", Encoding.UTF8.GetBytes("""{"id":1}"""));

    [Fact]
    public async Task ACompletedKeyReplaysItsResponseAndRefusesAnotherRequest()
    {
        var (options, store, _) = await CreateAsync();
        var hash = IdempotencyStore.Hash("body-1");

        await using (var context = new KeysContext(options))
        {
            await using var transaction = await context.Database.BeginTransactionAsync();
            Assert.Equal(IdempotencyOutcome.Claimed, (await store.ClaimAsync(context, "buyer-a", "k1", hash, default)).Outcome);
            await store.CompleteAsync(context, "buyer-a", "k1", hash, Accepted, default);
            await transaction.CommitAsync();
        }

        await using (var context = new KeysContext(options))
        {
            await using var transaction = await context.Database.BeginTransactionAsync();
            var replay = await store.ClaimAsync(context, "buyer-a", "k1", hash, default);
            Assert.Equal(IdempotencyOutcome.Replay, replay.Outcome);
            Assert.Equal((202, "/api/orders/1"), (replay.Response!.StatusCode, replay.Response.Location));
            Assert.Equal(Accepted.Body, replay.Response.Body);

            Assert.Equal(IdempotencyOutcome.Mismatch, (await store.ClaimAsync(context, "buyer-a", "k1", IdempotencyStore.Hash("body-2"), default)).Outcome);
            // The same key in another scope (another buyer) is a different key.
            Assert.Equal(IdempotencyOutcome.Claimed, (await store.ClaimAsync(context, "buyer-b", "k1", hash, default)).Outcome);
        }
    }

    [Fact]
    public async Task AKeyWhoseFirstRequestIsRunningIsInFlightAndFreeAgainAfterARollback()
    {
        var (options, store, _) = await CreateAsync();
        var hash = IdempotencyStore.Hash("body");
        await using var first = new KeysContext(options);
        await using var firstTransaction = await first.Database.BeginTransactionAsync();
        Assert.Equal(IdempotencyOutcome.Claimed, (await store.ClaimAsync(first, "buyer", "k", hash, default)).Outcome);

        await using (var second = new KeysContext(options))
        {
            await using var transaction = await second.Database.BeginTransactionAsync();
            Assert.Equal(IdempotencyOutcome.InFlight, (await store.ClaimAsync(second, "buyer", "k", hash, default)).Outcome);
        }

        // A crash or failure of the first request frees the key: nothing stays "in progress" forever.
        await firstTransaction.RollbackAsync();
        await using (var third = new KeysContext(options))
        {
            await using var transaction = await third.Database.BeginTransactionAsync();
            Assert.Equal(IdempotencyOutcome.Claimed, (await store.ClaimAsync(third, "buyer", "k", hash, default)).Outcome);
        }
    }

    [Fact]
    public async Task AKeyIsNewAgainAfterTwentyFourHours()
    {
        var (options, store, clock) = await CreateAsync();
        var hash = IdempotencyStore.Hash("body");
        await using (var context = new KeysContext(options))
        {
            await using var transaction = await context.Database.BeginTransactionAsync();
            await store.ClaimAsync(context, "buyer", "k", hash, default);
            await store.CompleteAsync(context, "buyer", "k", hash, Accepted, default);
            await transaction.CommitAsync();
        }

        clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        await using (var context = new KeysContext(options))
        {
            await using var transaction = await context.Database.BeginTransactionAsync();
            // Still held a second before its 24 h are up: another request with it is refused.
            Assert.Equal(IdempotencyOutcome.Mismatch, (await store.ClaimAsync(context, "buyer", "k", IdempotencyStore.Hash("other"), default)).Outcome);
        }

        clock.Advance(TimeSpan.FromSeconds(1));
        await using (var context = new KeysContext(options))
        {
            await using var transaction = await context.Database.BeginTransactionAsync();
            Assert.Equal(IdempotencyOutcome.Claimed, (await store.ClaimAsync(context, "buyer", "k", IdempotencyStore.Hash("other"), default)).Outcome);
            var response = new StoredResponse(202, "/api/orders/2", [1, 2, 3]);
            await store.CompleteAsync(context, "buyer", "k", IdempotencyStore.Hash("other"), response, default);
            await transaction.CommitAsync();
        }

        await using (var context = new KeysContext(options))
        {
            await using var transaction = await context.Database.BeginTransactionAsync();
            var replay = await store.ClaimAsync(context, "buyer", "k", IdempotencyStore.Hash("other"), default);
            Assert.Equal("/api/orders/2", replay.Response?.Location);
        }
    }

    private async Task<(DbContextOptions<KeysContext> Options, IdempotencyStore Store, FakeTimeProvider Clock)> CreateAsync()
    {
        var options = new DbContextOptionsBuilder<KeysContext>().UseNpgsql(await infrastructure.CreateDatabaseAsync("idempotency")).Options;
        await using (var context = new KeysContext(options))
        {
            await context.Database.EnsureCreatedAsync();
        }

        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        return (options, new IdempotencyStore(clock), clock);
    }

    private sealed class KeysContext(DbContextOptions<KeysContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddIdempotencyKeys();
    }
}
