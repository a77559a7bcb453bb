extern alias IdentityApi;

using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using AspireShop.Identity.API.Data;
using AspireShop.Identity.API.Events;
using AspireShop.Identity.API.Extensions;
using AspireShop.TestKit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace AspireShop.Identity.Tests;

/// <summary>
/// The identity service in-process (its real Program) on a fresh database of the fixture's Postgres, migrated and
/// seeded by the same <c>migrate</c> command the AppHost's identity-migrations step runs.
/// </summary>
public sealed class IdentityApp : ServiceHost<IdentityApi::Program>
{
    public const string Issuer = "http://localhost/auth/";
    public const string CliClient = IdentitySeeder.CliClientId;
    public const string ServiceClient = "cart";
    public const string ServiceSecret = "cart-test-secret";
    public const string AdminClient = "dashboard";
    public const string AdminClientSecret = "dashboard-test-secret";
    public const string StorefrontRedirectUri = "http://storefront.test/callback";
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromMinutes(10);

    private const string SellerConsumer = "Messaging:Consumers:" + SellerApprovedHandler.ConsumerGroup;

    private IdentityApp(IReadOnlyDictionary<string, string?> settings, string databaseConnectionString)
        : base(settings)
    {
        DatabaseConnectionString = databaseConnectionString;
    }

    public string DatabaseConnectionString { get; }

    /// <summary>Where this app reads Seller's events (<c>outbox.event.seller</c> in the platform).</summary>
    public string SellerEventsTopic => Settings[$"{SellerConsumer}:Topics:0"]!;

    /// <summary>A new database unless one is given (a second instance of the same deployment).</summary>
    public static async Task<IdentityApp> StartAsync(InfrastructureFixture infrastructure, string? database = null, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var migrate = database is null;
        database ??= await infrastructure.CreateDatabaseAsync("identity");
        var sellerEvents = await infrastructure.CreateTopicAsync("seller-events", partitions: 3);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:identitydb"] = database,
            // Seller's approvals, on a topic and group of this app's own.
            ["ConnectionStrings:kafka"] = infrastructure.KafkaBootstrapServers,
            ["Kafka:Consumer:session.timeout.ms"] = "3000",
            ["Kafka:Consumer:heartbeat.interval.ms"] = "1000",
            ["Kafka:Consumer:fetch.wait.max.ms"] = "10",
            [$"{SellerConsumer}:GroupId"] = $"{SellerApprovedHandler.ConsumerGroup}.test-{Guid.NewGuid():N}",
            [$"{SellerConsumer}:Topics:0"] = sellerEvents,
            ["Identity:Issuer"] = Issuer,
            ["Identity:AccessTokenLifetime"] = AccessTokenLifetime.ToString(),
            ["Identity:SeedDemoUsers"] = "true",
            [$"Identity:Clients:{ServiceClient}:Secret"] = ServiceSecret,
            // As the AppHost configures the dashboard's admin commands.
            [$"Identity:Clients:{AdminClient}:Secret"] = AdminClientSecret,
            [$"Identity:Clients:{AdminClient}:Roles:0"] = "admin",
            ["Identity:Storefront:RedirectUris:0"] = StorefrontRedirectUri,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        if (migrate)
        {
            var args = settings.Where(s => s.Key.StartsWith("ConnectionStrings:", StringComparison.Ordinal) || s.Key.StartsWith("Identity:", StringComparison.Ordinal))
                .Select(s => $"--{s.Key}={s.Value}")
                .Prepend(IdentityCommands.Migrate)
                .Append("--Logging:LogLevel:Default=None")
                .ToArray();
            Assert.Equal(0, await IdentityCommands.RunAsync(args));
        }

        return new IdentityApp(settings, database);
    }

    // Identity validates only the tokens it issues, like in production.
    protected override bool AcceptsTestTokens => false;

    // Redirects are part of what the sign-in tests assert.
    public override HttpClient Anonymous() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    public async Task<HttpClient> AsAsync(string email, string password = IdentitySeeder.DemoPassword) =>
        WithToken((await PasswordTokenAsync(email, password)).AccessToken);

    public Task<HttpResponseMessage> PostTokenAsync(params (string Key, string Value)[] form) =>
        Anonymous().PostAsync("/auth/connect/token", new FormUrlEncodedContent(form.Select(f => KeyValuePair.Create(f.Key, f.Value))));

    public async Task<TokenResponse> PasswordTokenAsync(string email, string password = IdentitySeeder.DemoPassword, string? scope = null)
    {
        (string, string)[] form = [("grant_type", "password"), ("client_id", CliClient), ("username", email), ("password", password)];
        using var response = await PostTokenAsync(scope is null ? form : [.. form, ("scope", scope)]);
        return await TokenResponse.ReadAsync(response);
    }

    /// <summary>The discovery document and its JWKS, fetched over HTTP as JwtBearer does in every service.</summary>
    public async Task<OpenIdConnectConfiguration> DiscoverAsync()
    {
        var manager = new ConfigurationManager<OpenIdConnectConfiguration>(
            Issuer + ".well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(CreateClient()) { RequireHttps = false });
        return await manager.GetConfigurationAsync(CancellationToken.None);
    }

    /// <summary>The signing key straight from <c>signing_keys</c>, as the gateway's tests read it to mint expired tokens.</summary>
    public async Task<RsaSecurityKey> ReadSigningKeyAsync()
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT key_id, private_key_pem FROM signing_keys WHERE use = 'sig'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var rsa = RSA.Create();
        rsa.ImportFromPem(reader.GetString(1));
        return new RsaSecurityKey(rsa) { KeyId = reader.GetString(0) };
    }

    public async Task<T?> QueryScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }
}

/// <summary>A token endpoint answer: the tokens on 200, the OAuth error otherwise.</summary>
public sealed record TokenResponse(HttpStatusCode Status, string? Access, string? RefreshToken, int ExpiresIn, string? Error, string? ErrorDescription)
{
    public static async Task<TokenResponse> ReadAsync(HttpResponseMessage response)
    {
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        string? Text(string name) => json.TryGetProperty(name, out var value) ? value.GetString() : null;
        var token = new TokenResponse(
            response.StatusCode,
            Text("access_token"),
            Text("refresh_token"),
            json.TryGetProperty("expires_in", out var expires) ? expires.GetInt32() : 0,
            Text("error"),
            Text("error_description"));
        return token;
    }

    public string AccessToken => Status == HttpStatusCode.OK && Access is { } token
        ? token
        : throw new InvalidOperationException($"No token: {(int)Status} {Error} {ErrorDescription}");
}

/// <summary>One identity app (and database) shared by the tests of a class; tests create their own users.</summary>
public sealed class IdentityFixture : IAsyncLifetime
{
    public InfrastructureFixture Infrastructure { get; } = new();

    public IdentityApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Infrastructure.InitializeAsync();
        App = await IdentityApp.StartAsync(Infrastructure);
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}
