extern alias SellerApi;
using System.Net.Http.Json;
using System.Text.Json;
using AspireShop.BuildingBlocks.Data;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Seller.API.Apis;
using AspireShop.Seller.API.Data;
using AspireShop.Seller.Contracts;
using AspireShop.TestKit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AspireShop.Seller.Tests;

/// <summary>
/// The seller service in-process (its real Program) on a fresh database migrated by its migrate step, which also creates
/// the <c>seller_app</c> role and the row-level-security policies; requests carry test tokens.
/// </summary>
public sealed class SellerApp : ServiceHost<SellerApi::Program>
{
    /// <summary>What the consumer host's dispatcher accepts: the discriminator anywhere, every field present.</summary>
    public static readonly JsonSerializerOptions StrictJson = new(OutboxEvent.SerializerOptions)
    {
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        AllowOutOfOrderMetadataProperties = true,
    };

    private SellerApp(IReadOnlyDictionary<string, string?> settings, IReadOnlyDictionary<string, string?>? overrides = null)
        : base(settings, overrides)
    {
    }

    /// <summary>The connection string the service uses: the server's superuser, as in native mode.</summary>
    public string ConnectionString => Settings["ConnectionStrings:sellerdb"]!;

    /// <summary>A new app on its own new database; <paramref name="maxPoolSize"/> 1 makes consecutive scopes share one server connection.</summary>
    public static async Task<SellerApp> StartAsync(InfrastructureFixture infrastructure, int? maxPoolSize = null)
    {
        var database = new NpgsqlConnectionStringBuilder(await infrastructure.CreateDatabaseAsync("seller"));
        if (maxPoolSize is { } size)
        {
            database.MaxPoolSize = size;
        }

        var app = new SellerApp(Defaults(database.ConnectionString));
        await MigrateStep.MigrateAsync<SellerContext>(app.Services);
        return app;
    }

    /// <summary>An app on <paramref name="database"/> as it is, e.g. already migrated by the migrate step, with <paramref name="overrides"/>.</summary>
    public static SellerApp OnDatabase(string database, IReadOnlyDictionary<string, string?> overrides) => new(Defaults(database), overrides);

    private static Dictionary<string, string?> Defaults(string database) => new()
    {
        ["ConnectionStrings:sellerdb"] = database,
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>Applies as <paramref name="user"/> with valid details unless some are given.</summary>
    public async Task<ApplicationResponse> ApplyAsync(TestUser user, string? businessName = null)
    {
        using var client = As(user);
        using var response = await client.PostAsJsonAsync(ApplicationsApi.Path, Applications.Valid(businessName));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ApplicationResponse>())!;
    }

    /// <summary>
    /// Applies as a new user and has an admin approve: the seller's token (as Identity issues it once SellerApproved is
    /// handled), its application and the approval.
    /// </summary>
    public async Task<(TestUser Seller, ApplicationResponse Approved)> OnboardAsync(string? businessName = null, int? commissionBasisPoints = null)
    {
        var applicant = TestUser.NewBuyer();
        var application = await ApplyAsync(applicant, businessName);
        using var admin = As(TestUser.NewAdmin());
        using var response = await admin.PostAsJsonAsync(
            $"{ApplicationsApi.Path}/{application.Id}/approve", new ApproveApplicationRequest(commissionBasisPoints));
        response.EnsureSuccessStatusCode();
        var approved = (await response.Content.ReadFromJsonAsync<ApplicationResponse>())!;
        return (new TestUser(applicant.Id, approved.SellerId, "buyer", "seller"), approved);
    }

    /// <summary>Work on the service's own context as <paramref name="tenant"/>, as a request or handler scope would.</summary>
    public async Task<T> InScopeAsync<T>(Tenant tenant, Func<SellerContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Current = tenant;
        return await work(scope.ServiceProvider.GetRequiredService<SellerContext>());
    }

    /// <summary>The seller events in the outbox (what CDC publishes to <c>outbox.event.seller</c>), oldest first.</summary>
    public Task<List<SellerEvent>> SellerEventsAsync(Guid sellerId) => InScopeAsync(Tenant.Everyone, async db =>
    {
        var rows = await db.Set<OutboxMessage>().AsNoTracking()
            .Where(m => m.AggregateType == SellerEvent.AggregateType && m.AggregateId == sellerId.ToString())
            .OrderBy(m => m.Id)
            .Select(m => m.Payload)
            .ToListAsync();
        return rows.Select(payload => JsonSerializer.Deserialize<SellerEvent>(payload, StrictJson)!).ToList();
    });
}

/// <summary>One seller app (and database) shared by the tests of a class; tests create their own users.</summary>
public sealed class SellerFixture : IAsyncLifetime
{
    public InfrastructureFixture Infrastructure { get; } = new();

    public SellerApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Infrastructure.InitializeAsync();
        App = await SellerApp.StartAsync(Infrastructure);
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

public static class Applications
{
    /// <summary>Valid IBANs (ISO 13616 examples), printed with spaces as people type them.</summary>
    public const string GermanIban = "DE89 3704 0044 0532 0130 00";
    public const string BritishIban = "GB82 WEST 1234 5698 7654 32";

    public static SubmitApplicationRequest Valid(string? businessName = null) =>
        new(businessName ?? $"Shop {Guid.NewGuid():N}"[..20], "owner@example.com", GermanIban);
}
