using System.Data.Common;
using System.Security.Claims;
using System.Text.RegularExpressions;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace AspireShop.BuildingBlocks.Data;

/// <summary>
/// Whose rows a unit of work may see: one seller's, one buyer's, everyone's (admins, AspireShop's services, a service's
/// own event handlers) or nobody's. Postgres enforces it with row-level security (<see cref="TenantIsolation"/>).
/// </summary>
public sealed record Tenant(Guid? SellerId, Guid? BuyerId, bool SeesAll)
{
    /// <summary>No tenant known: every protected table reads empty and refuses writes.</summary>
    public static readonly Tenant None = new(null, null, false);

    public static readonly Tenant Everyone = new(null, null, true);

    public static Tenant Seller(Guid sellerId) => new(sellerId, null, false);

    public static Tenant Buyer(Guid buyerId) => new(null, buyerId, false);
}

/// <summary>
/// The tenant of the current scope (a request, an event's handling). Set it before the scope's first query: the
/// connection takes it when it opens. The HTTP middleware (<see cref="TenantIsolation.UseTenantIsolation"/>) sets it
/// from the token; an event handler sets <see cref="Tenant.Everyone"/> itself.
/// </summary>
public sealed class TenantContext
{
    public Tenant Current { get; set; } = Tenant.None;

    /// <summary>The migrate step owns the schema: it creates the tables and the role, so it must not switch to the role.</summary>
    internal bool IsSchemaOwner { get; set; }
}

/// <summary>
/// Tenant isolation down to the database. Tables holding a <c>seller_id</c> get a row-level-security policy
/// (<see cref="EnableSql"/>) that shows only the rows of the tenant the connection was opened for. Services connect as a
/// superuser, which bypasses RLS, so each connection switches to a NOLOGIN role (<see cref="CreateRoleSql"/>) and sets
/// the tenant (<see cref="ApplyAsync"/>) as it opens; Npgsql resets both when the connection goes back to the pool.
/// </summary>
public static partial class TenantIsolation
{
    public const string SellerSetting = "app.seller_id";
    public const string BuyerSetting = "app.buyer_id";
    public const string SeesAllSetting = "app.sees_all";

    /// <summary>
    /// The role and the tenant in one statement, one round trip: <c>set_config('role', …)</c> is <c>SET ROLE</c>, and
    /// unlike <c>SET</c> it takes parameters, so no value is ever spliced into SQL.
    /// </summary>
    private const string ApplySql =
        "SELECT set_config('role', $1, false), set_config('" + SellerSetting + "', $2, false), " +
        "set_config('" + BuyerSetting + "', $3, false), set_config('" + SeesAllSetting + "', $4, false)";

    /// <summary>The tenant a caller's token speaks for: admins and services see all, a seller its own, anyone else as a buyer.</summary>
    public static Tenant For(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Identity?.IsAuthenticated != true)
        {
            return Tenant.None;
        }

        if (user.IsAdmin() || user.IsService())
        {
            return Tenant.Everyone;
        }

        if (user.IsInRole(AspireShopClaims.SellerRole) && user.GetSellerId() is { } sellerId)
        {
            return Tenant.Seller(sellerId);
        }

        return user.GetUserId() is { } userId ? Tenant.Buyer(userId) : Tenant.None;
    }

    /// <summary>Sets each request's <see cref="TenantContext"/> from its token; call after <c>UseDefaultRequestPipeline</c> (authentication).</summary>
    public static IApplicationBuilder UseTenantIsolation(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.RequestServices.GetRequiredService<TenantContext>().Current = For(context.User);
            return next(context);
        });

    /// <summary>Switches an open connection to <paramref name="role"/> acting for <paramref name="tenant"/> (what the EF interceptor does).</summary>
    public static async Task ApplyAsync(DbConnection connection, string role, Tenant tenant, CancellationToken cancellationToken = default)
    {
        await using var command = CreateApplyCommand(connection, role, tenant);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static void Apply(DbConnection connection, string role, Tenant tenant)
    {
        using var command = CreateApplyCommand(connection, role, tenant);
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Migration SQL: row-level security on <paramref name="table"/>, forced (the owner obeys it too), with one policy for
    /// reads and writes: all rows when the tenant sees all, else the rows of its seller, or of its buyer in
    /// <paramref name="buyerColumn"/> when given. Without a tenant no row matches.
    /// </summary>
    public static string EnableSql(string table, string? buyerColumn = null)
    {
        var predicate = $"current_setting('{SeesAllSetting}', true) = 'on' OR seller_id = NULLIF(current_setting('{SellerSetting}', true), '')::uuid";
        if (buyerColumn is not null)
        {
            predicate += $" OR {Identifier(buyerColumn)} = NULLIF(current_setting('{BuyerSetting}', true), '')::uuid";
        }

        var name = Identifier(table);
        return $"""
            ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;
            ALTER TABLE {name} FORCE ROW LEVEL SECURITY;
            CREATE POLICY {name}_tenant_isolation ON {name} USING ({predicate}) WITH CHECK ({predicate});
            """;
    }

    /// <summary>
    /// Migration SQL, run after the tables exist: the NOLOGIN <paramref name="role"/> the service works as, with what it
    /// needs on schema public, now and for tables later migrations add. Roles belong to the whole server, so one that
    /// another database (or a concurrent migration) already made is not an error; a migrating user that is not a
    /// superuser (a managed server's admin) joins the role, so its service may switch to it. The migrations' history
    /// stays the owner's alone.
    /// </summary>
    public static string CreateRoleSql(string role)
    {
        var name = Identifier(role);
        return $"""
            DO $$
            BEGIN
                CREATE ROLE {name} NOLOGIN;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END $$;
            DO $$
            BEGIN
                IF NOT pg_has_role(current_user, '{name}', 'MEMBER') THEN
                    EXECUTE format('GRANT {name} TO %I', current_user);
                END IF;
            EXCEPTION WHEN unique_violation THEN NULL;
            END $$;
            GRANT USAGE ON SCHEMA public TO {name};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name};
            GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {name};
            ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {name};
            ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {name};
            DO $$
            BEGIN
                IF to_regclass('public."__EFMigrationsHistory"') IS NOT NULL THEN
                    REVOKE ALL ON TABLE public."__EFMigrationsHistory" FROM {name};
                END IF;
            END $$;
            """;
    }

    private static DbCommand CreateApplyCommand(DbConnection connection, string role, Tenant tenant)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(tenant);
        var command = connection.CreateCommand();
        command.CommandText = ApplySql;
        AddParameter(command, Identifier(role));
        AddParameter(command, tenant.SellerId?.ToString() ?? "");
        AddParameter(command, tenant.BuyerId?.ToString() ?? "");
        AddParameter(command, tenant.SeesAll ? "on" : "off");
        return command;
    }

    private static void AddParameter(DbCommand command, string value)
    {
        var parameter = command.CreateParameter();
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    // Names end up in DDL: only plain lower-case identifiers, so nothing needs quoting and nothing can be injected.
    private static string Identifier(string name) =>
        PlainIdentifier().IsMatch(name) ? name : throw new ArgumentException($"'{name}' is not a plain lower-case SQL identifier.", nameof(name));

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex PlainIdentifier();
}
