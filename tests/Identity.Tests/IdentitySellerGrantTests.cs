using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.BuildingBlocks.Outbox;
using AspireShop.Identity.API.Events;
using AspireShop.Seller.Contracts;
using AspireShop.ServiceDefaults.Authentication;
using AspireShop.TestKit;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AspireShop.Identity.Tests;

/// <summary>
/// Seller's <see cref="SellerApproved"/> makes the applicant a seller in Identity, once however often it arrives; the
/// user's next token (a new sign-in or a refresh) carries the seller role and <c>seller_id</c>.
/// </summary>
public sealed class IdentitySellerGrantTests(IdentityFixture fixture) : IClassFixture<IdentityFixture>
{
    private const string Password = "Correct-Horse-9";

    private IdentityApp App => fixture.App;

    [Fact]
    public async Task AnApprovalOnTheTopicGrantsTheSellerRoleToTheNextToken()
    {
        var (userId, email) = await RegisterAsync();
        var before = await App.PasswordTokenAsync(email, Password, scope: "offline_access");
        Assert.Equal(["buyer"], Roles(before.AccessToken));
        var sellerId = Guid.NewGuid();

        await PublishAsync(Approval(userId, sellerId), Guid.NewGuid().ToString());

        await Poll.UntilAsync(
            () => App.QueryScalarAsync<string[]>("SELECT roles FROM users WHERE id = $1", userId),
            roles => roles?.Contains("seller") == true,
            TimeSpan.FromSeconds(30),
            roles => $"roles {string.Join(",", roles ?? [])}");
        // The token issued before the approval is unchanged: only the next one can sell.
        Assert.Equal(["buyer"], Roles(before.AccessToken));

        var signedIn = (await App.PasswordTokenAsync(email, Password)).AccessToken;
        Assert.Equal(["buyer", "seller"], Roles(signedIn));
        Assert.Equal(sellerId.ToString(), new JsonWebToken(signedIn).GetClaim(AspireShopClaims.SellerId).Value);

        using var refresh = await App.PostTokenAsync(("grant_type", "refresh_token"), ("client_id", IdentityApp.CliClient), ("refresh_token", before.RefreshToken!));
        var refreshed = (await TokenResponse.ReadAsync(refresh)).AccessToken;
        Assert.Equal(["buyer", "seller"], Roles(refreshed));
        Assert.Equal(sellerId.ToString(), new JsonWebToken(refreshed).GetClaim(AspireShopClaims.SellerId).Value);
    }

    [Fact]
    public async Task ARedeliveredOrRepeatedApprovalChangesNothing()
    {
        var (userId, _) = await RegisterAsync();
        var sellerId = Guid.NewGuid();
        var approval = Approval(userId, sellerId);
        var messageId = Guid.NewGuid().ToString();

        await HandleAsync(approval, messageId);
        await HandleAsync(approval, messageId);
        // The same approval under a new id (re-published): the grant is already there, nothing doubles.
        await HandleAsync(approval, Guid.NewGuid().ToString());

        Assert.Equal(["buyer", "seller"], (await App.QueryScalarAsync<string[]>("SELECT roles FROM users WHERE id = $1", userId))!);
        Assert.Equal(sellerId, await App.QueryScalarAsync<Guid>("SELECT seller_id FROM users WHERE id = $1", userId));
        Assert.Equal(1L, await App.QueryScalarAsync<long>(
            "SELECT count(*) FROM inbox WHERE consumer = $1 AND message_id = $2", SellerApprovedHandler.ConsumerGroup, messageId));
    }

    [Fact]
    public async Task AnApprovalForNoUserOrForASecondSellerIsADeadLetterNotASilentChange()
    {
        var unknown = await Assert.ThrowsAsync<PoisonMessageException>(() => HandleAsync(Approval(Guid.NewGuid(), Guid.NewGuid()), Guid.NewGuid().ToString()));
        Assert.Contains("no user", unknown.Message, StringComparison.Ordinal);

        var (userId, _) = await RegisterAsync();
        var first = Guid.NewGuid();
        await HandleAsync(Approval(userId, first), Guid.NewGuid().ToString());
        await Assert.ThrowsAsync<PoisonMessageException>(() => HandleAsync(Approval(userId, Guid.NewGuid()), Guid.NewGuid().ToString()));

        Assert.Equal(first, await App.QueryScalarAsync<Guid>("SELECT seller_id FROM users WHERE id = $1", userId));
    }

    [Fact]
    public async Task OnlyAdminsReplayTheSellerConsumersDeadLetters()
    {
        using var tokenResponse = await App.PostTokenAsync(
            ("grant_type", "client_credentials"), ("client_id", IdentityApp.AdminClient), ("client_secret", IdentityApp.AdminClientSecret));
        using var admin = App.WithToken((await TokenResponse.ReadAsync(tokenResponse)).AccessToken);
        using var buyer = await App.AsAsync("buyer@aspireshop.dev");

        using var replayed = await admin.PostAsync(MessagingExtensions.ReplayDeadLettersPath, null);
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        var groups = (await replayed.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(r => r.GetProperty("group").GetString());
        Assert.Contains(groups, g => g!.StartsWith(SellerApprovedHandler.ConsumerGroup, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Forbidden, (await buyer.PostAsync(MessagingExtensions.ReplayDeadLettersPath, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.Anonymous().PostAsync(MessagingExtensions.ReplayDeadLettersPath, null)).StatusCode);
    }

    private static SellerApproved Approval(Guid userId, Guid sellerId) =>
        new(userId, sellerId, Guid.NewGuid(), "Acme Outdoor", 1000, DateTimeOffset.UtcNow);

    private static string[] Roles(string accessToken) =>
        [.. new JsonWebToken(accessToken).Claims.Where(c => c.Type == AspireShopClaims.Role).Select(c => c.Value).Order(StringComparer.Ordinal)];

    private async Task<(Guid UserId, string Email)> RegisterAsync()
    {
        var email = $"seller-{Guid.NewGuid():N}@example.com";
        using var response = await App.Anonymous().PostAsJsonAsync("/auth/register", new { email, password = Password, name = "Future Seller" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return ((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid(), email);
    }

    /// <summary>As Seller's outbox reaches Kafka: keyed by seller id, header <c>id</c>, the base type's JSON.</summary>
    private async Task PublishAsync(SellerApproved approval, string messageId)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = fixture.Infrastructure.KafkaBootstrapServers }).Build();
        await producer.ProduceAsync(App.SellerEventsTopic, new Message<string, string>
        {
            Key = approval.SellerId.ToString(),
            Value = JsonSerializer.Serialize<SellerEvent>(approval, OutboxEvent.SerializerOptions),
            Headers = new Headers
            {
                { ReceivedMessage.IdHeader, Encoding.UTF8.GetBytes(messageId) },
                { ReceivedMessage.TypeHeader, Encoding.UTF8.GetBytes(nameof(SellerApproved)) },
            },
        });
    }

    /// <summary>Hands the approval straight to the handler, as the consumer host would (one attempt, its own scope).</summary>
    private async Task HandleAsync(SellerApproved approval, string messageId)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var message = new ReceivedMessage(
            App.SellerEventsTopic, 0, 0, approval.SellerId.ToString(), JsonSerializer.Serialize<SellerEvent>(approval, OutboxEvent.SerializerOptions),
            new Dictionary<string, string> { [ReceivedMessage.IdHeader] = messageId }, 1);
        await scope.ServiceProvider.GetRequiredService<SellerApprovedHandler>().HandleAsync(approval, message, CancellationToken.None);
    }
}
