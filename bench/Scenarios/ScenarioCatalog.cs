namespace AspireShop.Bench.Scenarios;

/// <summary>Every scenario the CLI knows, in the order usage lists them.</summary>
public static class ScenarioCatalog
{
    public static IReadOnlyList<IScenario> All { get; } =
    [
        new EventsScenario(),
        new ProductPageScenario(),
        new SearchScenario(),
        new IngestScenario(),
        new ReservationBurstScenario(compareWithFlashSale: true),
        new ReservationBurstScenario(compareWithFlashSale: false),
        new GatewayOverheadScenario(),
        new JourneyScenario(newBuyerEachJourney: true),
        new JourneyScenario(newBuyerEachJourney: false),
        new CheckoutScenario(),
        new ChaosScenario(),
        new FootprintScenario(),
        new StorefrontScenario(),
    ];

    public static IScenario? Find(string name) =>
        All.FirstOrDefault(scenario => string.Equals(scenario.Name, name, StringComparison.OrdinalIgnoreCase));
}
