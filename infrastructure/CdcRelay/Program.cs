using AspireShop.Infrastructure.CdcRelay;

var builder = WebApplication.CreateSlimBuilder(args);

var kafka = builder.Configuration.GetConnectionString("kafka");
if (string.IsNullOrWhiteSpace(kafka))
{
    Console.Error.WriteLine("CdcRelay: ConnectionStrings:kafka must be set to the Kafka bootstrap servers.");
    return 2;
}

var sources = new List<CdcSource>();
foreach (var entry in builder.Configuration.GetSection("Cdc:Sources").GetChildren())
{
    var name = entry["Name"];
    var connectionString = string.IsNullOrWhiteSpace(name) ? null : builder.Configuration.GetConnectionString(name);
    if (connectionString is null)
    {
        Console.Error.WriteLine($"CdcRelay: {entry.Path}:Name and ConnectionStrings:<Name> are required (got Name '{name}').");
        return 2;
    }

    var source = new CdcSource
    {
        Name = name!,
        ConnectionString = connectionString,
        Tables = [.. entry.GetSection("Tables").GetChildren().Select(t => t.Value).OfType<string>()],
    };
    source = entry["OutboxTable"] is { Length: > 0 } outbox ? source with { OutboxTable = outbox } : source;
    source = entry["SlotName"] is { Length: > 0 } slot ? source with { SlotName = slot } : source;
    source = entry["PublicationName"] is { Length: > 0 } publication ? source with { PublicationName = publication } : source;
    sources.Add(source);
}

if (sources.Count == 0)
{
    Console.Error.WriteLine("CdcRelay: no sources configured; set Cdc:Sources:0:Name (and ConnectionStrings:<Name>).");
    return 2;
}

builder.Services.AddSingleton(services => new RelayService(sources, kafka, services.GetRequiredService<ILoggerFactory>()));
builder.Services.AddHostedService(services => services.GetRequiredService<RelayService>());
var app = builder.Build();
var relays = app.Services.GetRequiredService<RelayService>();
app.MapGet("/health", () => relays.AllStreaming ? Results.Text("Healthy") : Results.Text("Unhealthy", statusCode: 503));
app.MapGet("/alive", () => Results.Text("Healthy"));

await app.RunAsync();
return 0;
