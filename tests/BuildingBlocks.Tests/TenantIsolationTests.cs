using System.Security.Claims;
using AspireShop.BuildingBlocks.Data;
using AspireShop.ServiceDefaults.Authentication;
using AspireShop.TestKit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace AspireShop.BuildingBlocks.Tests;

/// <summary>
/// Row-level security as a service gets it (<see cref="TenantIsolation"/>): a table protected by its policy, rows of two
/// sellers and a buyer written by the superuser the services connect as, then read and written as the service's role.
/// </summary>
public sealed class TenantIsolationTests(InfrastructureFixture infrastructure) : IClassFixture<InfrastructureFixture>
{
    private const string Role = "tenant_test_app";
    private const string InsufficientPrivilege = "42501";

    private static readonly Guid SellerA = Guid.NewGuid();
    private static readonly Guid SellerB = Guid.NewGuid();
    private static readonly Guid BuyerOfB = Guid.NewGuid();

    [Fact]
    public async Task TheRoleWithoutATenantReadsNothingAndWritesNothing()
    {
        var connectionString = await CreateWidgetsAsync();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, $"SET ROLE {Role}");

        Assert.Equal(0, await CountAsync(connection));
        var refused = await Assert.ThrowsAsync<PostgresException>(() => InsertAsync(connection, SellerA));
        Assert.Equal(InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task ASellerSeesAndChangesOnlyItsOwnRows()
    {
        var connectionString = await CreateWidgetsAsync();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await TenantIsolation.ApplyAsync(connection, Role, Tenant.Seller(SellerA));

        Assert.Equal(2, await CountAsync(connection));
        Assert.Equal(0, await CountAsync(connection, $"seller_id = '{SellerB}'"));
        // B's rows are neither updated nor deleted: to A they do not exist.
        Assert.Equal(0, await ExecuteAsync(connection, $"UPDATE widgets SET name = 'taken' WHERE seller_id = '{SellerB}'"));
        Assert.Equal(0, await ExecuteAsync(connection, $"DELETE FROM widgets WHERE seller_id = '{SellerB}'"));
        await InsertAsync(connection, SellerA);
        Assert.Equal(3, await CountAsync(connection));

        var inserted = await Assert.ThrowsAsync<PostgresException>(() => InsertAsync(connection, SellerB));
        Assert.Equal(InsufficientPrivilege, inserted.SqlState);
        var moved = await Assert.ThrowsAsync<PostgresException>(
            () => ExecuteAsync(connection, $"UPDATE widgets SET seller_id = '{SellerB}' WHERE seller_id = '{SellerA}'"));
        Assert.Equal(InsufficientPrivilege, moved.SqlState);

        await ExecuteAsync(connection, "RESET ROLE");
        Assert.Equal(2, await CountAsync(connection, $"seller_id = '{SellerB}' AND name = 'widget'"));
    }

    [Fact]
    public async Task ABuyerSeesTheRowsInItsBuyerColumnAndEveryoneSeesAll()
    {
        var connectionString = await CreateWidgetsAsync();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();

        await TenantIsolation.ApplyAsync(connection, Role, Tenant.Buyer(BuyerOfB));
        Assert.Equal(1, await CountAsync(connection));
        Assert.Equal(1, await CountAsync(connection, $"buyer_id = '{BuyerOfB}' AND seller_id = '{SellerB}'"));

        await TenantIsolation.ApplyAsync(connection, Role, Tenant.Everyone);
        Assert.Equal(4, await CountAsync(connection));
        await InsertAsync(connection, SellerB);
        Assert.Equal(5, await CountAsync(connection));
    }

    [Theory]
    [InlineData(false)]
    // A configuration that turns the pool's reset off would leave the role on the connection: the registration turns it back on.
    [InlineData(true)]
    public async Task APooledConnectionForgetsTheTenantItServed(bool noResetOnClose)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await CreateWidgetsAsync()) { MaxPoolSize = 1 }.ConnectionString;
        using var host = BuildHost(new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = noResetOnClose }.ConnectionString);

        var (pidOfA, seenByA) = await InScopeAsync(host, Tenant.Seller(SellerA), async db => (await BackendPidAsync(db), await db.Widgets.CountAsync()));
        var (pidOfNone, seenByNone) = await InScopeAsync(host, Tenant.None, async db => (await BackendPidAsync(db), await db.Widgets.CountAsync()));
        var seenByEveryone = await InScopeAsync(host, Tenant.Everyone, db => db.Widgets.CountAsync());

        // One server process served all three scopes: the same pooled connection, reset in between.
        Assert.Equal(pidOfA, pidOfNone);
        Assert.Equal((2, 0, 4), (seenByA, seenByNone, seenByEveryone));
        // The migrate step sets no role: on the connection the tenants just used it must be the superuser again.
        await MigrateStep.MigrateAsync<WidgetContext>(host.Services);

        // Outside the interceptor, the returned connection is the superuser again with no tenant left behind.
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await TenantIsolation.ApplyAsync(connection, Role, Tenant.Seller(SellerA));
        }

        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await using var command = new NpgsqlCommand(
                $"SELECT current_user, coalesce(current_setting('{TenantIsolation.SellerSetting}', true), ''), count(*) FROM widgets", connection);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.Equal(("postgres", "", 4L), (reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        }
    }

    [Fact]
    public async Task EfCoreWritesOnlyTheScopesTenantsRows()
    {
        using var host = BuildHost(await CreateWidgetsAsync());

        await InScopeAsync(host, Tenant.Seller(SellerA), async db =>
        {
            db.Widgets.Add(new Widget { SellerId = SellerA, Id = Guid.NewGuid(), Name = "mine" });
            await db.SaveChangesAsync();
            db.Widgets.Add(new Widget { SellerId = SellerB, Id = Guid.NewGuid(), Name = "theirs" });
            var refused = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
            Assert.Equal(InsufficientPrivilege, Assert.IsType<PostgresException>(refused.InnerException).SqlState);
            return 0;
        });

        var names = await InScopeAsync(host, Tenant.Everyone, db => db.Widgets.OrderBy(w => w.Name).Select(w => w.Name).ToListAsync());
        Assert.Equal(["mine", "widget", "widget", "widget", "widget"], names);
    }

    [Fact]
    public async Task TheMigrateStepWorksAsTheSchemaOwnerNotAsTheRole()
    {
        var connectionString = await CreateWidgetsAsync();
        using var host = BuildHost(connectionString);

        // Without the owner's rights the history table could not even be created (the role has no CREATE on public).
        await MigrateStep.MigrateAsync<WidgetContext>(host.Services);

        var owner = await InScopeAsync(host, Tenant.Everyone, db => db.Database
            .SqlQueryRaw<string>("SELECT tableowner AS \"Value\" FROM pg_tables WHERE tablename = '__EFMigrationsHistory'").SingleAsync());
        Assert.Equal("postgres", owner);

        // A later migration grants the role what it needs again, never the history.
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, TenantIsolation.CreateRoleSql(Role));
        await using var privileges = new NpgsqlCommand(
            $"SELECT has_table_privilege('{Role}', 'widgets', 'INSERT'), has_table_privilege('{Role}', '\"__EFMigrationsHistory\"', 'INSERT')", connection);
        await using var reader = await privileges.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal((true, false), (reader.GetBoolean(0), reader.GetBoolean(1)));
    }

    [Fact]
    public void TheTokenDecidesTheTenant()
    {
        var user = Guid.NewGuid();
        var seller = Guid.NewGuid();

        Assert.Equal(Tenant.None, TenantIsolation.For(new ClaimsPrincipal(new ClaimsIdentity())));
        Assert.Equal(Tenant.Everyone, TenantIsolation.For(Principal(user, null, AspireShopClaims.AdminRole)));
        Assert.Equal(Tenant.Everyone, TenantIsolation.For(Principal(null, null, AspireShopClaims.ServiceRole)));
        Assert.Equal(Tenant.Seller(seller), TenantIsolation.For(Principal(user, seller, AspireShopClaims.SellerRole)));
        Assert.Equal(Tenant.Buyer(user), TenantIsolation.For(Principal(user, null, AspireShopClaims.BuyerRole)));
        // A seller_id claim without the seller role acts for no seller.
        Assert.Equal(Tenant.Buyer(user), TenantIsolation.For(Principal(user, seller, AspireShopClaims.BuyerRole)));
    }

    [Fact]
    public void NamesThatAreNotPlainIdentifiersAreRefused()
    {
        Assert.Throws<ArgumentException>(() => TenantIsolation.EnableSql("widgets; DROP TABLE x"));
        Assert.Throws<ArgumentException>(() => TenantIsolation.EnableSql("widgets", "buyer_id OR true"));
        Assert.Throws<ArgumentException>(() => TenantIsolation.CreateRoleSql("Robert'); --"));
    }

    private static ClaimsPrincipal Principal(Guid? user, Guid? seller, string role)
    {
        var claims = new List<Claim> { new(AspireShopClaims.Role, role), new(AspireShopClaims.Subject, user?.ToString() ?? "dashboard") };
        if (seller is { } sellerId)
        {
            claims.Add(new Claim(AspireShopClaims.SellerId, sellerId.ToString()));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, "test", AspireShopClaims.Name, AspireShopClaims.Role));
    }

    /// <summary>A fresh database with the protected table: two rows of A, two of B (one bought by <see cref="BuyerOfB"/>).</summary>
    private async Task<string> CreateWidgetsAsync()
    {
        var connectionString = await infrastructure.CreateDatabaseAsync("tenants");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, """
            CREATE TABLE widgets (seller_id uuid NOT NULL, id uuid NOT NULL, buyer_id uuid, name text NOT NULL, PRIMARY KEY (seller_id, id));
            """ + TenantIsolation.EnableSql("widgets", buyerColumn: "buyer_id") + TenantIsolation.CreateRoleSql(Role));
        foreach (var (seller, buyer) in new[] { (SellerA, (Guid?)null), (SellerA, null), (SellerB, BuyerOfB), (SellerB, null) })
        {
            await InsertAsync(connection, seller, buyer);
        }

        return connectionString;
    }

    private static IHost BuildHost(string connectionString)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration["ConnectionStrings:widgetsdb"] = connectionString;
        builder.AddServiceDbContext<WidgetContext>("widgetsdb", tenantRole: Role);
        return builder.Build();
    }

    private static async Task<T> InScopeAsync<T>(IHost host, Tenant tenant, Func<WidgetContext, Task<T>> work)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Current = tenant;
        return await work(scope.ServiceProvider.GetRequiredService<WidgetContext>());
    }

    private static Task<int> BackendPidAsync(WidgetContext db) =>
        db.Database.SqlQueryRaw<int>("SELECT pg_backend_pid() AS \"Value\"").SingleAsync();

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string where = "true")
    {
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM widgets WHERE {where}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task InsertAsync(NpgsqlConnection connection, Guid seller, Guid? buyer = null)
    {
        await using var command = new NpgsqlCommand("INSERT INTO widgets (seller_id, id, buyer_id, name) VALUES ($1, $2, $3, 'widget')", connection)
        {
            Parameters = { new() { Value = seller }, new() { Value = Guid.NewGuid() }, new() { Value = (object?)buyer ?? DBNull.Value } },
        };
        await command.ExecuteNonQueryAsync();
    }

    private sealed class Widget
    {
        public Guid SellerId { get; set; }

        public Guid Id { get; set; }

        public Guid? BuyerId { get; set; }

        public required string Name { get; set; }
    }

    private sealed class WidgetContext(DbContextOptions<WidgetContext> options) : DbContext(options)
    {
        public DbSet<Widget> Widgets => Set<Widget>();

        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.Entity<Widget>(widget =>
        {
            widget.ToTable("widgets");
            widget.HasKey(w => new { w.SellerId, w.Id });
            widget.Property(w => w.SellerId).HasColumnName("seller_id");
            widget.Property(w => w.Id).HasColumnName("id");
            widget.Property(w => w.BuyerId).HasColumnName("buyer_id");
            widget.Property(w => w.Name).HasColumnName("name");
        });
    }
}
