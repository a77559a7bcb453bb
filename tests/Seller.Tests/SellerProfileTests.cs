using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireShop.Seller.API.Apis;
using AspireShop.TestKit;

namespace AspireShop.Seller.Tests;

/// <summary>A seller's own profile (<c>/me</c>), and the admins' view of every seller and its commission.</summary>
public sealed class SellerProfileTests(SellerFixture fixture) : IClassFixture<SellerFixture>
{
    private SellerApp App => fixture.App;

    [Fact]
    public async Task ASellerReadsAndChangesItsOwnProfileAndSeesThePayoutAccountMasked()
    {
        var (seller, approved) = await App.OnboardAsync("Before Name");
        using var client = App.As(seller);

        var profile = await client.GetFromJsonAsync<SellerResponse>("/api/sellers/me");
        Assert.Equal((approved.SellerId!.Value, seller.Id, "Before Name", "DE89**************3000", 1000),
            (profile!.SellerId, profile.UserId, profile.BusinessName, profile.PayoutAccount, profile.CommissionBasisPoints));

        using (var changed = await client.PutAsJsonAsync("/api/sellers/me", new UpdateProfileRequest("After Name", "payouts@example.com", Applications.BritishIban)))
        {
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
            var body = (await changed.Content.ReadFromJsonAsync<SellerResponse>())!;
            Assert.Equal(("After Name", "payouts@example.com", "GB82**************5432"), (body.BusinessName, body.ContactEmail, body.PayoutAccount));
        }

        // Without a payout account the current one stays: the masked value the API shows could never be sent back.
        using (var kept = await client.PutAsJsonAsync("/api/sellers/me", new UpdateProfileRequest("Kept Account", "payouts@example.com", null)))
        {
            Assert.Equal("GB82**************5432", (await kept.Content.ReadFromJsonAsync<SellerResponse>())!.PayoutAccount);
        }

        using var invalid = await client.PutAsJsonAsync("/api/sellers/me", new UpdateProfileRequest("", "payouts@example.com", "GB82**************5432"));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["businessName", "payoutAccount"], errors.EnumerateObject().Select(e => e.Name).Order());
        Assert.Equal("Kept Account", (await client.GetFromJsonAsync<SellerResponse>("/api/sellers/me"))!.BusinessName);
    }

    [Fact]
    public async Task ASellerNeverReadsAnotherSellersProfile()
    {
        var (sellerA, approvedA) = await App.OnboardAsync();
        var (sellerB, approvedB) = await App.OnboardAsync();
        using var clientB = App.As(sellerB);

        Assert.Equal(HttpStatusCode.NotFound, (await clientB.GetAsync($"/api/sellers/{approvedA.SellerId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await clientB.GetAsync($"{ApplicationsApi.Path}/{approvedA.Id}")).StatusCode);
        Assert.Equal(approvedB.SellerId, (await clientB.GetFromJsonAsync<SellerResponse>($"/api/sellers/{approvedB.SellerId}"))!.SellerId);
        Assert.Equal(approvedB.SellerId, (await clientB.GetFromJsonAsync<SellerResponse>("/api/sellers/me"))!.SellerId);
        using var clientA = App.As(sellerA);
        Assert.Equal(approvedA.SellerId, (await clientA.GetFromJsonAsync<SellerResponse>("/api/sellers/me"))!.SellerId);
    }

    [Fact]
    public async Task AnyoneReadsASellersNameAndNothingElse()
    {
        var (_, approved) = await App.OnboardAsync("Harbour Outfitters");
        using var anonymous = App.Anonymous();

        using var response = await anonymous.GetAsync($"/api/sellers/{approved.SellerId}/public");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["businessName", "sellerId"], body.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("Harbour Outfitters", body.GetProperty("businessName").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/api/sellers/{Guid.NewGuid()}/public")).StatusCode);
    }

    [Fact]
    public async Task ASellerThisServiceNeverOnboardedHasNoProfile()
    {
        using var client = App.As(TestUser.NewSeller());

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/sellers/me")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PutAsJsonAsync("/api/sellers/me", new UpdateProfileRequest("Name", "a@example.com", null))).StatusCode);
    }

    [Fact]
    public async Task AdminsListSellersAndSetTheirCommission()
    {
        var (_, approved) = await App.OnboardAsync("Commissioned");
        var sellerId = approved.SellerId!.Value;
        using var admin = App.As(TestUser.NewAdmin());

        var list = await admin.GetFromJsonAsync<SellerList>("/api/sellers?pageSize=100");
        Assert.Contains(sellerId, list!.Items.Select(s => s.SellerId));
        Assert.Equal("Commissioned", (await admin.GetFromJsonAsync<SellerResponse>($"/api/sellers/{sellerId}"))!.BusinessName);

        using (var changed = await admin.PutAsJsonAsync($"/api/sellers/{sellerId}/commission", new UpdateCommissionRequest(800)))
        {
            Assert.Equal(800, (await changed.Content.ReadFromJsonAsync<SellerResponse>())!.CommissionBasisPoints);
        }

        foreach (var invalid in new UpdateCommissionRequest[] { new(null), new(10_001), new(-5) })
        {
            using var response = await admin.PutAsJsonAsync($"/api/sellers/{sellerId}/commission", invalid);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("commissionBasisPoints", out _));
        }

        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsJsonAsync($"/api/sellers/{Guid.NewGuid()}/commission", new UpdateCommissionRequest(500))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/sellers/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(800, (await admin.GetFromJsonAsync<SellerResponse>($"/api/sellers/{sellerId}"))!.CommissionBasisPoints);
    }
}
