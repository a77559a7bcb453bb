using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AspireShop.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AspireShop.Identity.Tests;

/// <summary>Authorization code + PKCE for the storefront, through the login form.</summary>
public sealed partial class AuthorizeTests(IdentityFixture fixture) : IClassFixture<IdentityFixture>
{
    private IdentityApp App => fixture.App;

    [Fact]
    public async Task AuthorizeWithoutACodeChallengeIsRejected()
    {
        using var response = await App.Anonymous().GetAsync(AuthorizeUrl(challenge: null));

        // OpenIddict reports errors to a registered redirect URI; never a code, never the login form.
        var error = response.StatusCode == HttpStatusCode.BadRequest
            ? await response.Content.ReadAsStringAsync()
            : response.Headers.Location?.ToString() ?? "";
        Assert.Contains("invalid_request", error, StringComparison.Ordinal);
        Assert.DoesNotContain("code=", error, StringComparison.Ordinal);
        Assert.DoesNotContain("/auth/account/login", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthorizeWithAnUnregisteredRedirectUriIsRejectedWithoutRedirecting()
    {
        var url = AuthorizeUrl(Challenge(Verifier())).Replace(Uri.EscapeDataString(IdentityApp.StorefrontRedirectUri), Uri.EscapeDataString("http://evil.test/cb"), StringComparison.Ordinal);

        using var response = await App.Anonymous().GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task AuthorizeWithACodeChallengeSendsAnAnonymousUserToTheLoginForm()
    {
        using var response = await App.Anonymous().GetAsync(AuthorizeUrl(Challenge(Verifier())));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("http://localhost/auth/account/login?ReturnUrl=%2Fauth%2Fconnect%2Fauthorize", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task TheCodeFlowSignsInThroughTheFormAndRedeemsTheCodeWithTheVerifier()
    {
        var browser = App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var verifier = Verifier();

        using var authorize = await browser.GetAsync(AuthorizeUrl(Challenge(verifier)));
        var loginUrl = authorize.Headers.Location!;
        var form = await browser.GetStringAsync(loginUrl);
        var antiforgery = AntiforgeryField().Match(form);
        Assert.True(antiforgery.Success, form);
        var returnUrl = QueryHelpers.ParseQuery(loginUrl.Query)["ReturnUrl"].ToString();

        using var wrong = await browser.PostAsync("/auth/account/login", Form(antiforgery, returnUrl, "buyer@aspireshop.dev", "wrong password"));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);

        using var login = await browser.PostAsync("/auth/account/login", Form(antiforgery, returnUrl, "seller-b@aspireshop.dev", "Pass123$"));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal(returnUrl, login.Headers.Location!.ToString());

        using var back = await browser.GetAsync(login.Headers.Location);
        var callback = back.Headers.Location!;
        Assert.StartsWith(IdentityApp.StorefrontRedirectUri, callback.ToString());
        var query = QueryHelpers.ParseQuery(callback.Query);
        Assert.Equal("xyz", query["state"].ToString());
        var code = query["code"].ToString();

        using var stolen = await App.PostTokenAsync(Redeem(code, Verifier()));
        Assert.Equal("invalid_grant", (await TokenResponse.ReadAsync(stolen)).Error);

        // A code is single-use, so a fresh one for the real redemption.
        using var again = await browser.GetAsync(AuthorizeUrl(Challenge(verifier)));
        var fresh = QueryHelpers.ParseQuery(again.Headers.Location!.Query)["code"].ToString();
        using var redeemed = await App.PostTokenAsync(Redeem(fresh, verifier));
        var token = await TokenResponse.ReadAsync(redeemed);
        var jwt = new JsonWebToken(token.AccessToken);
        Assert.Equal("47d0abb4-4208-fb83-ca56-6adb46e9ed5a", jwt.GetClaim(AspireShopClaims.SellerId).Value);
        Assert.Contains(AuthenticationExtensions.DefaultAudience, jwt.Audiences);
        Assert.NotNull(token.RefreshToken);
    }

    [Fact]
    public async Task ALoginPostWithoutTheAntiforgeryTokenIsRejected()
    {
        using var response = await App.Anonymous().PostAsync("/auth/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = "buyer@aspireshop.dev",
            ["password"] = "Pass123$",
            ["returnUrl"] = "/",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("aspireshop.login=", StringComparison.Ordinal)));
    }

    private static string AuthorizeUrl(string? challenge)
    {
        var parameters = new Dictionary<string, string?>
        {
            ["client_id"] = "storefront",
            ["response_type"] = "code",
            ["redirect_uri"] = IdentityApp.StorefrontRedirectUri,
            ["scope"] = "openid profile roles offline_access",
            ["state"] = "xyz",
        };
        if (challenge is not null)
        {
            parameters["code_challenge"] = challenge;
            parameters["code_challenge_method"] = "S256";
        }

        return QueryHelpers.AddQueryString("/auth/connect/authorize", parameters);
    }

    private static (string, string)[] Redeem(string code, string verifier) =>
    [
        ("grant_type", "authorization_code"), ("client_id", "storefront"), ("code", code),
        ("redirect_uri", IdentityApp.StorefrontRedirectUri), ("code_verifier", verifier),
    ];

    private static FormUrlEncodedContent Form(Match antiforgery, string returnUrl, string email, string password) =>
        new(new Dictionary<string, string>
        {
            [WebUtility.HtmlDecode(antiforgery.Groups["name"].Value)] = WebUtility.HtmlDecode(antiforgery.Groups["value"].Value),
            ["returnUrl"] = returnUrl,
            ["email"] = email,
            ["password"] = password,
        });

    private static string Verifier() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    private static string Challenge(string verifier) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>__RequestVerificationToken)\" value=\"(?<value>[^\"]+)\">")]
    private static partial Regex AntiforgeryField();
}
