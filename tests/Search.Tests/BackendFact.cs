using Xunit.Abstractions;
using Xunit.Sdk;

namespace AspireShop.Search.Tests;

/// <summary>Where the Elasticsearch run of the suite points: env <c>ASPIRESHOP_TEST_ELASTICSEARCH</c> (e.g. http://localhost:9200).</summary>
public static class ElasticsearchTarget
{
    public const string Variable = "ASPIRESHOP_TEST_ELASTICSEARCH";

    public static Uri? Url => Uri.TryCreate(Environment.GetEnvironmentVariable(Variable), UriKind.Absolute, out var url) ? url : null;

    public static string SkipReason =>
        $"No Elasticsearch to test against: set {Variable} to its URL (e.g. http://localhost:9200) to run the suite on Elasticsearch too.";
}

/// <summary>Marks a suite class that runs against Elasticsearch: its <see cref="BackendFactAttribute"/> tests are skipped without one.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ElasticsearchBackendAttribute : Attribute;

/// <summary>A fact of the shared search suite, skipped (with the reason) when its class needs a backend that is not there.</summary>
[XunitTestCaseDiscoverer("AspireShop.Search.Tests.BackendFactDiscoverer", "Search.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class BackendFactAttribute : FactAttribute;

public sealed class BackendFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var display = discoveryOptions.MethodDisplayOrDefault();
        var options = discoveryOptions.MethodDisplayOptionsOrDefault();
        var needsElasticsearch = testMethod.TestClass.Class.GetCustomAttributes(typeof(ElasticsearchBackendAttribute)).Any();
        return needsElasticsearch && ElasticsearchTarget.Url is null
            ? [new XunitSkippedDataRowTestCase(diagnosticMessageSink, display, options, testMethod, ElasticsearchTarget.SkipReason)]
            : [new XunitTestCase(diagnosticMessageSink, display, options, testMethod)];
    }
}
