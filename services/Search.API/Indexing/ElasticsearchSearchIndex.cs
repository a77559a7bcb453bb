using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AspireShop.Search.API.Domain;
using AspireShop.Search.API.Extensions;
using Elastic.Clients.Elasticsearch;
using Elastic.Transport;
using Microsoft.Extensions.Options;
using HttpMethod = Elastic.Transport.HttpMethod;

namespace AspireShop.Search.API.Indexing;

/// <summary>
/// The containers-mode index: Elasticsearch with <c>version_type=external</c> (a 409 on a stale write means "already
/// newer", so it counts as done) and tombstone documents for deletes, since a deleted document's version is kept only
/// for <c>index.gc_deletes</c> (60 s). <c>Search:IndexName</c> is an alias over a timestamped index, so clearing
/// swaps in a fresh index instead of leaving a moment without one. Requests are plain REST bodies over the client's
/// transport: the query mirrors the Lucene backend's and reads more directly as JSON than through the typed builders.
/// </summary>
public sealed class ElasticsearchSearchIndex(ElasticsearchClient client, IOptions<SearchOptions> options, SearchMetrics metrics) : ISearchIndex
{
    private const string Live = "live";
    private const string Tombstone = "tombstone";
    private const int SnippetLength = 150;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Clients use the alias; the index behind it is replaced whole by ClearAsync.
    private readonly string _alias = options.Value.IndexName;
    private readonly string _refreshInterval = options.Value.ElasticsearchRefreshInterval;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var exists = await SendAsync(HttpMethod.HEAD, $"/{_alias}", null, cancellationToken);
        if (exists.Status == 200)
        {
            return;
        }

        await CreatePhysicalIndexAsync(withAlias: true, cancellationToken);

        // Two instances starting together may each have created one: all keep the oldest (names sort by creation time).
        var indexes = await IndexesBehindAliasAsync(cancellationToken);
        foreach (var extra in indexes.Order(StringComparer.Ordinal).Skip(1))
        {
            await SendAsync(HttpMethod.DELETE, $"/{extra}", null, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<bool>> WriteAsync(IReadOnlyList<IndexWrite> writes, CancellationToken cancellationToken)
    {
        var body = new StringBuilder();
        foreach (var write in writes)
        {
            var action = new JsonObject
            {
                ["index"] = new JsonObject
                {
                    ["_index"] = _alias,
                    ["_id"] = write.Id.ToString("D"),
                    ["version"] = write.Version,
                    ["version_type"] = "external",
                },
            };
            body.Append(action.ToJsonString()).Append('\n');
            body.Append(ToElastic(write).ToJsonString(Json)).Append('\n');
        }

        var response = await SendAsync(HttpMethod.POST, "/_bulk?require_alias=true", body.ToString(), cancellationToken);
        if (response.Status != 200)
        {
            throw response.Failure("bulk indexing");
        }

        var items = JsonNode.Parse(response.Body)!["items"]!.AsArray();
        var landed = new bool[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            var result = items[i]!["index"]!;
            var status = (int)result["status"]!;
            landed[i] = status is 200 or 201;
            if (!landed[i] && status != 409)
            {
                throw new InvalidOperationException($"Elasticsearch refused {writes[i].Id} (status {status}): {result["error"]?.ToJsonString()}");
            }
        }

        return landed;
    }

    public async Task<SearchResponse> SearchAsync(SearchQuery query, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var response = await SendAsync(HttpMethod.POST, $"/{_alias}/_search", SearchBody(query).ToJsonString(), cancellationToken);
        if (response.Status != 200)
        {
            throw response.Failure("searching");
        }

        var root = JsonNode.Parse(response.Body)!;
        var items = new List<SearchHit>();
        foreach (var hit in root["hits"]!["hits"]!.AsArray())
        {
            var source = hit!["_source"]!;
            var description = (string?)source["description"];
            var snippet = (string?)hit["highlight"]?["description"]?[0] ?? (string?)hit["highlight"]?["title"]?[0];
            items.Add(new SearchHit(
                Guid.Parse((string)source["id"]!),
                (string?)source["title"] ?? "",
                (string?)source["brand"],
                (string?)source["category"],
                (decimal?)source["minPrice"],
                (decimal?)source["maxPrice"],
                (string?)source["currency"],
                (bool?)source["inStock"] ?? false,
                snippet ?? LuceneSearchIndex.Lead(description)));
        }

        var aggregations = root["aggregations"]!;
        var result = new SearchResponse(
            (long)root["hits"]!["total"]!["value"]!,
            query.Page,
            query.PageSize,
            items,
            SearchFacets.From(Buckets(aggregations["brand"]), Buckets(aggregations["category"]), Buckets(aggregations["attributes"])));
        metrics.QueryTook(Stopwatch.GetElapsedTime(started), "elasticsearch");
        return result;
    }

    /// <summary>
    /// Points the alias at a new, empty index and deletes the old one. Writes never see a missing index (with
    /// require_alias they would fail and be retried rather than auto-create an index without the mapping).
    /// </summary>
    public async Task ClearAsync(CancellationToken cancellationToken)
    {
        var old = await IndexesBehindAliasAsync(cancellationToken);
        var fresh = await CreatePhysicalIndexAsync(withAlias: old.Count == 0, cancellationToken);
        if (old.Count == 0)
        {
            return;
        }

        var actions = new JsonArray([.. old.Select(index => (JsonNode)new JsonObject { ["remove"] = new JsonObject { ["index"] = index, ["alias"] = _alias } })]);
        actions.Add(new JsonObject { ["add"] = new JsonObject { ["index"] = fresh, ["alias"] = _alias } });
        var swapped = await SendAsync(HttpMethod.POST, "/_aliases", new JsonObject { ["actions"] = actions }.ToJsonString(), cancellationToken);
        if (swapped.Status != 200)
        {
            throw swapped.Failure($"moving alias {_alias} to {fresh}");
        }

        var deleted = await SendAsync(HttpMethod.DELETE, $"/{string.Join(',', old)}", null, cancellationToken);
        if (deleted.Status is not (200 or 404))
        {
            throw deleted.Failure($"deleting {string.Join(',', old)}");
        }
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        var response = await SendAsync(HttpMethod.GET, $"/{_alias}/_count", null, cancellationToken);
        return response.Status == 200 ? (long)JsonNode.Parse(response.Body)!["count"]! : 0;
    }

    public async Task<IReadOnlyList<Guid>> FindBehindAsync(IReadOnlyList<(Guid Id, long Version)> expected, CancellationToken cancellationToken)
    {
        if (expected.Count == 0)
        {
            return [];
        }

        var body = new JsonObject { ["ids"] = new JsonArray([.. expected.Select(e => JsonValue.Create(e.Id.ToString("D")))]) };
        var response = await SendAsync(HttpMethod.POST, $"/{_alias}/_mget?_source=false", body.ToJsonString(), cancellationToken);
        if (response.Status != 200)
        {
            throw response.Failure("reading versions");
        }

        var stored = new Dictionary<Guid, long>();
        foreach (var doc in JsonNode.Parse(response.Body)!["docs"]!.AsArray())
        {
            if ((bool?)doc!["found"] == true)
            {
                stored[Guid.Parse((string)doc["_id"]!)] = (long)doc["_version"]!;
            }
        }

        return [.. expected.Where(e => !stored.TryGetValue(e.Id, out var version) || version < e.Version).Select(e => e.Id)];
    }

    /// <summary>Creates <c>&lt;alias&gt;-&lt;timestamp&gt;-&lt;random&gt;</c> with the mapping (and the alias, if asked).</summary>
    private async Task<string> CreatePhysicalIndexAsync(bool withAlias, CancellationToken cancellationToken)
    {
        var name = $"{_alias}-{DateTime.UtcNow:yyyyMMddHHmmssfff}-{Guid.NewGuid():N}"[..(_alias.Length + 27)];
        var created = await SendAsync(HttpMethod.PUT, $"/{name}", IndexDefinition(withAlias), cancellationToken);
        return created.Status is 200 or 201 ? name : throw created.Failure($"creating index {name} for alias {_alias}");
    }

    private async Task<List<string>> IndexesBehindAliasAsync(CancellationToken cancellationToken)
    {
        var current = await SendAsync(HttpMethod.GET, $"/_alias/{_alias}", null, cancellationToken);
        return current.Status == 200 ? [.. JsonNode.Parse(current.Body)!.AsObject().Select(p => p.Key)] : [];
    }

    private string IndexDefinition(bool withAlias)
    {
        JsonObject Keyword(bool normalized) => normalized
            ? new JsonObject { ["type"] = "keyword", ["normalizer"] = "lower" }
            : new JsonObject { ["type"] = "keyword" };
        JsonObject Text() => new() { ["type"] = "text", ["analyzer"] = "english" };
        JsonObject Faceted() => new()
        {
            ["type"] = "text",
            ["analyzer"] = "english",
            ["fields"] = new JsonObject { ["raw"] = Keyword(false), ["norm"] = Keyword(true) },
        };
        JsonObject Price() => new() { ["type"] = "scaled_float", ["scaling_factor"] = 100 };

        var definition = new JsonObject
        {
            ["settings"] = new JsonObject
            {
                ["refresh_interval"] = _refreshInterval,
                ["analysis"] = new JsonObject
                {
                    ["normalizer"] = new JsonObject { ["lower"] = new JsonObject { ["type"] = "custom", ["filter"] = new JsonArray("lowercase") } },
                },
            },
            ["mappings"] = new JsonObject
            {
                ["dynamic"] = false,
                ["properties"] = new JsonObject
                {
                    ["id"] = Keyword(false),
                    ["state"] = Keyword(false),
                    ["title"] = Text(),
                    ["description"] = Text(),
                    ["brand"] = Faceted(),
                    ["category"] = Faceted(),
                    ["attrValues"] = Text(),
                    ["attrPairs"] = new JsonObject { ["type"] = "keyword", ["fields"] = new JsonObject { ["norm"] = Keyword(true) } },
                    ["attributes"] = new JsonObject { ["type"] = "object", ["enabled"] = false },
                    ["minPrice"] = Price(),
                    ["maxPrice"] = Price(),
                    ["currency"] = Keyword(false),
                    ["sellerIds"] = Keyword(false),
                    ["inStock"] = new JsonObject { ["type"] = "boolean" },
                    ["createdAt"] = new JsonObject { ["type"] = "date" },
                },
            },
        };
        if (withAlias)
        {
            definition["aliases"] = new JsonObject { [_alias] = new JsonObject() };
        }

        return definition.ToJsonString();
    }

    private static JsonObject ToElastic(IndexWrite write)
    {
        if (write.Document is not { } document)
        {
            return new JsonObject { ["id"] = write.Id.ToString("D"), ["state"] = Tombstone };
        }

        var json = JsonSerializer.SerializeToNode(document, Json)!.AsObject();
        json["id"] = document.Id.ToString("D");
        json["state"] = Live;
        json["attrPairs"] = new JsonArray([.. document.AttributePairs().Select(p => JsonValue.Create(p))]);
        json["attrValues"] = new JsonArray([.. document.AttributeValues().Select(v => JsonValue.Create(v))]);
        return json;
    }

    private static JsonObject SearchBody(SearchQuery query)
    {
        static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => JsonValue.Create(v))]);

        var filters = new JsonArray { new JsonObject { ["term"] = new JsonObject { ["state"] = Live } } };
        if (query.Brands.Count > 0)
        {
            filters.Add(new JsonObject { ["terms"] = new JsonObject { ["brand.norm"] = Strings(query.Brands.Select(b => b.ToLowerInvariant())) } });
        }

        if (query.Categories.Count > 0)
        {
            filters.Add(new JsonObject { ["terms"] = new JsonObject { ["category.norm"] = Strings(query.Categories.Select(c => c.ToLowerInvariant())) } });
        }

        if (query.MinPrice is not null || query.MaxPrice is not null)
        {
            var range = new JsonObject();
            if (query.MinPrice is { } min)
            {
                range["gte"] = min;
            }

            if (query.MaxPrice is { } max)
            {
                range["lte"] = max;
            }

            filters.Add(new JsonObject { ["range"] = new JsonObject { ["minPrice"] = range } });
        }

        foreach (var (name, values) in query.Attributes)
        {
            filters.Add(new JsonObject
            {
                ["terms"] = new JsonObject { ["attrPairs.norm"] = Strings(values.Select(v => SearchDocument.Pair(name, v).ToLowerInvariant())) },
            });
        }

        JsonNode match = query.HasText
            ? new JsonObject
            {
                ["multi_match"] = new JsonObject
                {
                    ["query"] = query.Text,
                    ["fields"] = Strings(["title^3", "brand^1.5", "category^1.5", "attrValues", "description"]),
                    ["type"] = "cross_fields",
                    ["operator"] = "and",
                    ["tie_breaker"] = 0.1,
                },
            }
            : new JsonObject { ["match_all"] = new JsonObject() };

        JsonObject Order(string field, string order) => new() { [field] = new JsonObject { ["order"] = order, ["missing"] = "_last" } };
        var byId = new JsonObject { ["id"] = "asc" };
        var sort = query.Sort switch
        {
            SearchSort.Relevance when query.HasText => new JsonArray("_score", byId),
            SearchSort.PriceAsc => new JsonArray(Order("minPrice", "asc"), byId),
            SearchSort.PriceDesc => new JsonArray(Order("minPrice", "desc"), byId),
            _ => new JsonArray(Order("createdAt", "desc"), byId),
        };

        JsonObject Terms(string field, int size) => new() { ["terms"] = new JsonObject { ["field"] = field, ["size"] = size } };
        var body = new JsonObject
        {
            ["from"] = query.Skip,
            ["size"] = query.PageSize,
            ["track_total_hits"] = true,
            ["query"] = new JsonObject { ["bool"] = new JsonObject { ["must"] = new JsonArray(match), ["filter"] = filters } },
            ["sort"] = sort,
            ["_source"] = Strings(["id", "title", "brand", "category", "minPrice", "maxPrice", "currency", "inStock", "description"]),
            ["aggs"] = new JsonObject
            {
                ["brand"] = Terms("brand.raw", SearchFacets.MaxValues),
                ["category"] = Terms("category.raw", SearchFacets.MaxValues),
                ["attributes"] = Terms("attrPairs", 1000),
            },
        };
        if (query.HasText)
        {
            body["highlight"] = new JsonObject
            {
                ["encoder"] = "html",
                ["pre_tags"] = Strings(["<em>"]),
                ["post_tags"] = Strings(["</em>"]),
                ["fields"] = new JsonObject
                {
                    ["description"] = new JsonObject { ["fragment_size"] = SnippetLength, ["number_of_fragments"] = 1 },
                    ["title"] = new JsonObject { ["number_of_fragments"] = 0 },
                },
            };
        }

        return body;
    }

    private static Dictionary<string, long> Buckets(JsonNode? aggregation)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var bucket in aggregation?["buckets"]?.AsArray() ?? [])
        {
            counts[(string)bucket!["key"]!] = (long)bucket["doc_count"]!;
        }

        return counts;
    }

    private async Task<Reply> SendAsync(HttpMethod method, string path, string? body, CancellationToken cancellationToken)
    {
        var response = body is null
            ? await client.Transport.RequestAsync<StringResponse>(method, path, cancellationToken)
            : await client.Transport.RequestAsync<StringResponse>(method, path, PostData.String(body), cancellationToken);
        var status = response.ApiCallDetails.HttpStatusCode
            ?? throw new HttpRequestException($"Elasticsearch did not answer {method} {path}", response.ApiCallDetails.OriginalException);
        return new Reply(status, response.Body ?? "", $"{method} {path}");
    }

    private sealed record Reply(int Status, string Body, string Request)
    {
        public InvalidOperationException Failure(string doing) =>
            new($"Elasticsearch failed {doing} ({Request} → {(HttpStatusCode)Status}): {(Body.Length > 1000 ? Body[..1000] : Body)}");
    }
}
