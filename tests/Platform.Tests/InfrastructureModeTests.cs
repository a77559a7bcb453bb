using AspireShop.AppHost.Infrastructure;
using AspireShop.TestKit;
using Microsoft.Extensions.Configuration;

namespace AspireShop.Platform.Tests;

public sealed class InfrastructureModeTests
{
    [Theory]
    [InlineData(null, false, InfrastructureMode.Native)]
    [InlineData("auto", false, InfrastructureMode.Native)]
    [InlineData("auto", true, InfrastructureMode.Containers)]
    [InlineData("native", true, InfrastructureMode.Native)]
    [InlineData("Native", true, InfrastructureMode.Native)]
    [InlineData("containers", false, InfrastructureMode.Containers)]
    public void ModeComesFromTheSettingOrTheContainerEngine(string? setting, bool engineAnswers, InfrastructureMode expected)
    {
        var configuration = Configuration(new() { [InfrastructureModeResolver.SettingName] = setting });
        Assert.Equal(expected, InfrastructureModeResolver.Resolve(configuration, () => engineAnswers));
    }

    [Fact]
    public void UnknownModeSaysWhichValuesExist()
    {
        var configuration = Configuration(new() { [InfrastructureModeResolver.SettingName] = "banana" });
        var error = Assert.Throws<InfrastructureConfigurationException>(() => InfrastructureModeResolver.Resolve(configuration, () => false));
        Assert.Contains("'banana'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'native'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'containers'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("auto")]
    [InlineData("containers")]
    public void PublishingAlwaysDescribesContainers(string? setting)
    {
        var configuration = Configuration(new() { [InfrastructureModeResolver.SettingName] = setting });
        Assert.Equal(InfrastructureMode.Containers, InfrastructureModeResolver.ResolveForPublish(configuration));
    }

    [Fact]
    public void PublishingNativeModeIsRefused()
    {
        var configuration = Configuration(new() { [InfrastructureModeResolver.SettingName] = "native" });
        var error = Assert.Throws<InfrastructureConfigurationException>(() => InfrastructureModeResolver.ResolveForPublish(configuration));
        Assert.Contains("cannot be published", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingPostgresBinariesSayHowToInstallThem()
    {
        var configuration = Configuration(new() { ["Infrastructure:Native:PostgresBinDirectory"] = "/nonexistent/pg/bin" });
        var error = Assert.Throws<InfrastructureConfigurationException>(() => NativeToolchain.Locate(configuration));
        Assert.Contains("apt-get install -y postgresql redis-server", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TopicWithoutNameIsRejected()
    {
        var configuration = Configuration(new() { ["Kafka:Topics:0:Partitions"] = "3" });
        var error = Assert.Throws<InfrastructureConfigurationException>(() => KafkaTopicSettings.Read(configuration));
        Assert.Contains("Kafka:Topics:0", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Infrastructure:Mode=banana", "'banana' is not a known mode")]
    [InlineData("--Infrastructure:Native:PostgresBinDirectory=/nonexistent/pg/bin", "apt-get install -y postgresql redis-server")]
    public async Task BadConfigurationStopsTheAppHostWithOneClearMessage(string argument, string expected)
    {
        using var appHost = AppHostProcess.Start(["--Infrastructure:Mode=native", argument]);
        var exitCode = await appHost.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        var message = Assert.Single(appHost.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("AspireShop AppHost cannot start:", message, StringComparison.Ordinal);
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", appHost.StandardOutput + appHost.StandardError, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
