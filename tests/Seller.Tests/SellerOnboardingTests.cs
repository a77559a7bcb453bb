using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireShop.BuildingBlocks.Data;
using AspireShop.Seller.API.Apis;
using AspireShop.Seller.API.Domain;
using AspireShop.Seller.Contracts;
using AspireShop.TestKit;
using Microsoft.EntityFrameworkCore;

namespace AspireShop.Seller.Tests;

/// <summary>Applying, and the admins' approvals and rejections: one open application per user, one seller per approval.</summary>
public sealed class SellerOnboardingTests(SellerFixture fixture) : IClassFixture<SellerFixture>
{
    private const string MaskedGermanIban = "DE89**************3000";

    private SellerApp App => fixture.App;

    [Fact]
    public async Task AUserAppliesOnceAndSeesItsApplicationWithThePayoutAccountMasked()
    {
        var applicant = TestUser.NewBuyer();
        using var client = App.As(applicant);

        using var created = await client.PostAsJsonAsync(ApplicationsApi.Path, Applications.Valid("  Acme Outdoor  "));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var application = (await created.Content.ReadFromJsonAsync<ApplicationResponse>())!;
        Assert.Equal(
            (applicant.Id, "Acme Outdoor", "owner@example.com", MaskedGermanIban, ApplicationStatus.Pending, (Guid?)null),
            (application.UserId, application.BusinessName, application.ContactEmail, application.PayoutAccount, application.Status, application.SellerId));
        Assert.Equal($"{ApplicationsApi.Path}/{application.Id}", created.Headers.Location!.OriginalString);
        Assert.DoesNotContain("3704", await created.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var second = await client.PostAsJsonAsync(ApplicationsApi.Path, Applications.Valid());
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);

        var mine = await client.GetFromJsonAsync<List<ApplicationResponse>>($"{ApplicationsApi.Path}/mine");
        Assert.Equal(application.Id, Assert.Single(mine!).Id);
        Assert.Equal(application.Id, (await client.GetFromJsonAsync<ApplicationResponse>($"{ApplicationsApi.Path}/{application.Id}"))!.Id);
    }

    [Fact]
    public async Task ManyApplicationsAtOnceFromOneUserOpenOne()
    {
        var applicant = TestUser.NewBuyer();
        using var client = App.As(applicant);

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.PostAsJsonAsync(ApplicationsApi.Path, Applications.Valid())));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Single((await client.GetFromJsonAsync<List<ApplicationResponse>>($"{ApplicationsApi.Path}/mine"))!);
    }

    [Theory]
    [InlineData("", "owner@example.com", Applications.GermanIban, "businessName")]
    [InlineData("A", "owner@example.com", Applications.GermanIban, "businessName")]
    [InlineData("Acme", "not-an-email", Applications.GermanIban, "contactEmail")]
    [InlineData("Acme", "owner@example.com", "", "payoutAccount")]
    // One check digit off: the mod-97 check catches a typo.
    [InlineData("Acme", "owner@example.com", "DE88 3704 0044 0532 0130 00", "payoutAccount")]
    [InlineData("Acme", "owner@example.com", "DE89 3704 0044 0532 0130 01", "payoutAccount")]
    [InlineData("Acme", "owner@example.com", "1234567890123456", "payoutAccount")]
    [InlineData("Acme", "owner@example.com", "DE89.3704.0044.0532.0130.00", "payoutAccount")]
    public async Task AnInvalidApplicationIsRefusedNamingTheField(string businessName, string contactEmail, string payoutAccount, string field)
    {
        var applicant = TestUser.NewBuyer();
        using var client = App.As(applicant);

        using var response = await client.PostAsJsonAsync(ApplicationsApi.Path, new SubmitApplicationRequest(businessName, contactEmail, payoutAccount));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal([field], errors.EnumerateObject().Select(e => e.Name));
        Assert.Empty((await client.GetFromJsonAsync<List<ApplicationResponse>>($"{ApplicationsApi.Path}/mine"))!);
    }

    [Fact]
    public async Task AnApprovalCreatesTheSellerAndItsEventTogetherAtTheDefaultCommission()
    {
        var applicant = TestUser.NewBuyer();
        var application = await App.ApplyAsync(applicant, "Approved Goods");
        using var admin = App.As(TestUser.NewAdmin());

        // No body at all: the default commission.
        using var response = await admin.PostAsync($"{ApplicationsApi.Path}/{application.Id}/approve", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var approved = (await response.Content.ReadFromJsonAsync<ApplicationResponse>())!;
        Assert.Equal((ApplicationStatus.Approved, Commission.DefaultBasisPoints), (approved.Status, approved.CommissionBasisPoints));
        var sellerId = approved.SellerId!.Value;
        var seller = await App.InScopeAsync(Tenant.Everyone, db => db.Sellers.AsNoTracking().SingleAsync(s => s.SellerId == sellerId));
        Assert.Equal((applicant.Id, application.Id, "Approved Goods", 1000), (seller.UserId, seller.ApplicationId, seller.BusinessName, seller.CommissionBasisPoints));

        var approvedEvent = Assert.IsType<SellerApproved>(Assert.Single(await App.SellerEventsAsync(sellerId)));
        Assert.Equal(
            (applicant.Id, sellerId, application.Id, "Approved Goods", 1000),
            (approvedEvent.UserId, approvedEvent.SellerId, approvedEvent.ApplicationId, approvedEvent.BusinessName, approvedEvent.CommissionBasisPoints));

        // Approved is not open for another application, with the old token or the seller's new one.
        using var before = App.As(applicant);
        Assert.Equal(HttpStatusCode.Conflict, (await before.PostAsJsonAsync(ApplicationsApi.Path, Applications.Valid())).StatusCode);
        using var after = App.As(new TestUser(applicant.Id, sellerId, "buyer", "seller"));
        Assert.Equal(HttpStatusCode.Conflict, (await after.PostAsJsonAsync(ApplicationsApi.Path, Applications.Valid())).StatusCode);
        var mine = await after.GetFromJsonAsync<List<ApplicationResponse>>($"{ApplicationsApi.Path}/mine");
        Assert.Equal((application.Id, ApplicationStatus.Approved, sellerId), (Assert.Single(mine!).Id, mine![0].Status, mine[0].SellerId));
    }

    [Theory]
    [InlineData(1250, HttpStatusCode.OK)]
    [InlineData(0, HttpStatusCode.OK)]
    [InlineData(10_000, HttpStatusCode.OK)]
    [InlineData(10_001, HttpStatusCode.BadRequest)]
    [InlineData(-1, HttpStatusCode.BadRequest)]
    public async Task AnApprovalTakesACommissionInBasisPoints(int basisPoints, HttpStatusCode expected)
    {
        var application = await App.ApplyAsync(TestUser.NewBuyer());
        using var admin = App.As(TestUser.NewAdmin());

        using var response = await admin.PostAsJsonAsync($"{ApplicationsApi.Path}/{application.Id}/approve", new ApproveApplicationRequest(basisPoints));

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal(basisPoints, (await response.Content.ReadFromJsonAsync<ApplicationResponse>())!.CommissionBasisPoints);
            return;
        }

        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("commissionBasisPoints", out _));
        var unchanged = await admin.GetFromJsonAsync<ApplicationResponse>($"{ApplicationsApi.Path}/{application.Id}");
        Assert.Equal(ApplicationStatus.Pending, unchanged!.Status);
    }

    [Fact]
    public async Task ADecidedApplicationIsNotDecidedAgain()
    {
        var application = await App.ApplyAsync(TestUser.NewBuyer());
        using var admin = App.As(TestUser.NewAdmin());
        using (var first = await admin.PostAsync($"{ApplicationsApi.Path}/{application.Id}/approve", null))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var again = await admin.PostAsync($"{ApplicationsApi.Path}/{application.Id}/approve", null);
        using var rejected = await admin.PostAsJsonAsync($"{ApplicationsApi.Path}/{application.Id}/reject", new RejectApplicationRequest("Too late"));
        using var unknown = await admin.PostAsync($"{ApplicationsApi.Path}/{Guid.NewGuid()}/approve", null);

        Assert.Equal((HttpStatusCode.Conflict, HttpStatusCode.Conflict, HttpStatusCode.NotFound), (again.StatusCode, rejected.StatusCode, unknown.StatusCode));
        var approved = await admin.GetFromJsonAsync<ApplicationResponse>($"{ApplicationsApi.Path}/{application.Id}");
        Assert.Equal((ApplicationStatus.Approved, null), (approved!.Status, approved.RejectionReason));
        Assert.Single(await App.SellerEventsAsync(approved.SellerId!.Value));
    }

    [Fact]
    public async Task AdminsApprovingAtOnceCreateOneSeller()
    {
        var applicant = TestUser.NewBuyer();
        var application = await App.ApplyAsync(applicant);

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            using var admin = App.As(TestUser.NewAdmin());
            return await admin.PostAsync($"{ApplicationsApi.Path}/{application.Id}/approve", null);
        }));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var sellers = await App.InScopeAsync(Tenant.Everyone, db => db.Sellers.AsNoTracking().Where(s => s.UserId == applicant.Id).ToListAsync());
        Assert.Single(await App.SellerEventsAsync(Assert.Single(sellers).SellerId));
    }

    [Fact]
    public async Task ARejectionNeedsAReasonAndTheApplicantMayApplyAgain()
    {
        var applicant = TestUser.NewBuyer();
        var application = await App.ApplyAsync(applicant);
        using var admin = App.As(TestUser.NewAdmin());

        using (var noReason = await admin.PostAsJsonAsync($"{ApplicationsApi.Path}/{application.Id}/reject", new RejectApplicationRequest("  ")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
            Assert.True((await noReason.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("reason", out _));
        }

        using (var rejected = await admin.PostAsJsonAsync($"{ApplicationsApi.Path}/{application.Id}/reject", new RejectApplicationRequest("Payout account is not in the business's name")))
        {
            Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
            var body = (await rejected.Content.ReadFromJsonAsync<ApplicationResponse>())!;
            Assert.Equal((ApplicationStatus.Rejected, "Payout account is not in the business's name", (Guid?)null), (body.Status, body.RejectionReason, body.SellerId));
        }

        var again = await App.ApplyAsync(applicant, "Second Try");
        using var client = App.As(applicant);
        var mine = (await client.GetFromJsonAsync<List<ApplicationResponse>>($"{ApplicationsApi.Path}/mine"))!;
        Assert.Equal([again.Id, application.Id], mine.Select(a => a.Id));
        Assert.Equal([ApplicationStatus.Pending, ApplicationStatus.Rejected], mine.Select(a => a.Status));
    }

    [Fact]
    public async Task AdminsListApplicationsByStatusOldestFirst()
    {
        var first = await App.ApplyAsync(TestUser.NewBuyer());
        var second = await App.ApplyAsync(TestUser.NewBuyer());
        var rejected = await App.ApplyAsync(TestUser.NewBuyer());
        using var admin = App.As(TestUser.NewAdmin());
        using (var reject = await admin.PostAsJsonAsync($"{ApplicationsApi.Path}/{rejected.Id}/reject", new RejectApplicationRequest("Incomplete")))
        {
            Assert.Equal(HttpStatusCode.OK, reject.StatusCode);
        }

        var pending = await admin.GetFromJsonAsync<ApplicationList>($"{ApplicationsApi.Path}?status=pending&pageSize=100");
        var ids = pending!.Items.Select(a => a.Id).ToList();
        Assert.True(ids.IndexOf(first.Id) >= 0 && ids.IndexOf(first.Id) < ids.IndexOf(second.Id), string.Join(", ", ids));
        Assert.DoesNotContain(rejected.Id, ids);
        Assert.All(pending.Items, a => Assert.Equal(ApplicationStatus.Pending, a.Status));
        var rejectedOnes = await admin.GetFromJsonAsync<ApplicationList>($"{ApplicationsApi.Path}?status=rejected&pageSize=100");
        Assert.Contains(rejected.Id, rejectedOnes!.Items.Select(a => a.Id));

        foreach (var (query, field) in new[] { ("status=open", "status"), ("pageSize=0", "pageSize"), ("page=0", "page") })
        {
            using var response = await admin.GetAsync($"{ApplicationsApi.Path}?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _), query);
        }
    }
}
