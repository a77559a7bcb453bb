using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace AspireShop.BuildingBlocks.Data;

/// <summary>
/// How every service's EF Core context talks to PostgreSQL, applied by <see cref="DbContextRegistration"/>: the same
/// statement preparation as <see cref="DataSourceDefaults"/>, and no automatic savepoints.
/// </summary>
internal static class DbContextDefaults
{
    public static string? ConnectionString(string? connectionString)
    {
        if (connectionString is null)
        {
            return null;
        }

        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        DataSourceDefaults.Configure(builder);
        return builder.ConnectionString;
    }

    public static void Configure(DbContextOptionsBuilder options) => options.AddInterceptors(NoAutoSavepoints.Instance);

    /// <summary>
    /// EF Core wraps a SaveChanges inside an explicit transaction in a savepoint: two more round trips per write, on
    /// the hottest path (each saga move, payment step, stock change). Our transactions are all-or-nothing — a failed
    /// SaveChanges fails the whole transaction and its caller retries it — so the savepoint buys nothing.
    /// </summary>
    private sealed class NoAutoSavepoints : DbTransactionInterceptor
    {
        public static readonly NoAutoSavepoints Instance = new();

        public override ValueTask<InterceptionResult> CreatingSavepointAsync(
            DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(InterceptionResult.Suppress());

        public override ValueTask<InterceptionResult> ReleasingSavepointAsync(
            DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(InterceptionResult.Suppress());

        public override ValueTask<InterceptionResult> RollingBackToSavepointAsync(
            DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(InterceptionResult.Suppress());

        public override InterceptionResult CreatingSavepoint(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result) =>
            InterceptionResult.Suppress();

        public override InterceptionResult ReleasingSavepoint(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result) =>
            InterceptionResult.Suppress();

        public override InterceptionResult RollingBackToSavepoint(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result) =>
            InterceptionResult.Suppress();
    }
}
