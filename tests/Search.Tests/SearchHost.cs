using System.Net.Http.Json;
using System.Text.Json;
using AspireShop.Search.API.Domain;
using AspireShop.Search.API.Extensions;
using AspireShop.TestKit;

namespace AspireShop.Search.Tests;

/// <summary>
/// The Search service in-process, configured only through settings, as the AppHost would. Any type of the service's
/// assembly names its entry point; "Program" is ambiguous here (AppHost and CdcRelay have one too).
/// </summary>
public sealed class SearchHost : ServiceHost<SearchOptions>
{
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(2);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public SearchHost(IReadOnlyDictionary<string, string?> settings)
        : base(settings, new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" })
    {
        Client = CreateClient();
    }

    public HttpClient Client { get; }

    public T Get<T>()
        where T : notnull => Service<T>();

    public async Task<SearchResponse> SearchAsync(string query)
    {
        using var response = await Client.GetAsync($"/api/search/products?{query}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET ?{query} answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<SearchResponse>(body, Json)!;
    }

    /// <summary>Polls the search until <paramref name="done"/> holds, failing after <paramref name="within"/> (default 2 s).</summary>
    public Task<SearchResponse> UntilAsync(string query, Func<SearchResponse, bool> done, TimeSpan? within = null) =>
        Poll.UntilAsync(
            () => SearchAsync(query),
            done,
            within ?? Step,
            r => $"?{query} → total {r.Total}: {string.Join(", ", r.Items.Select(i => $"{i.Title} ({i.MinPrice}, inStock {i.InStock})"))}",
            TimeSpan.FromMilliseconds(20));

    /// <summary>POSTs as an admin (the admin endpoints, e.g. the rebuild, are admin-only).</summary>
    public async Task<HttpResponseMessage> PostAsync(string path, TestUser? caller = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(new { }) };
        request.Headers.Authorization = new("Bearer", TestTokens.Issue(caller ?? TestUser.NewAdmin()));
        return await Client.SendAsync(request);
    }

    public override async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await base.DisposeAsync();
    }
}
